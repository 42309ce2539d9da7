"""Posting problems and solutions."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Item, Participant, Workshop
from consult.models.base import utcnow
from consult.models.item import KINDS
from consult.payloads import item_payload
from consult.services.errors import ServiceError, forbidden, invalid, not_found
from consult.services.events import allocate_seq, lock_workshop, record_event
from consult.services.participants import find_group, require_open
from consult.services.text import ITEM_TEXT_MAX, clean_text, get_by_id

CLIENT_ID_MAX = 64
# A person types at most a few cards a minute; more is a script or a stuck resend loop.
POSTS_PER_MINUTE = 20


def _client_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > CLIENT_ID_MAX:
        raise invalid(_l("This request is missing its identifier; reload the page."), "client_id")
    return value.strip()


def post_item(
    workshop: Workshop,
    participant: Participant,
    *,
    group_id: object,
    kind: object,
    text: object,
    client_id: object,
    parent_id: object = None,
) -> tuple[Item, bool]:
    """Post a problem or a solution in the participant's group.

    Returns (item, created). The same client_id from the same participant returns the stored item
    and changes nothing, so a phone may resend whenever it is unsure.
    """
    client_id = _client_id(client_id)
    if participant.workshop_id != workshop.id:
        raise forbidden()
    lock_workshop(workshop)
    existing = db.session.scalar(
        select(Item).where(Item.author_participant_id == participant.id, Item.client_id == client_id)
    )
    if existing is not None:
        return existing, False
    require_open(workshop)
    if kind not in KINDS:
        raise invalid(_l("An item is either a problem or a solution."), "kind")
    group = find_group(workshop, group_id)
    if participant.group_id != group.id:
        raise forbidden(_l("You can post only in your own group. Join this group first."))
    clean = clean_text(text, field="text", max_length=ITEM_TEXT_MAX)
    parent = None
    if parent_id is not None:
        if kind != "solution":
            raise invalid(_l("Only a solution can answer a problem."), "parent_id")
        if not isinstance(parent_id, int) or isinstance(parent_id, bool):
            raise invalid(_l("Choose a problem of your group."), "parent_id")
        parent = get_by_id(Item, parent_id)
        if parent is None or parent.workshop_id != workshop.id or parent.status != "visible":
            raise not_found(_l("This problem does not exist in this workshop."))
        if parent.group_id != group.id or parent.kind != "problem":
            raise invalid(_l("A solution can only answer a problem of the same group."), "parent_id")
    recent = db.session.scalar(
        select(func.count(Item.id)).where(
            Item.author_participant_id == participant.id, Item.created_at > utcnow() - timedelta(minutes=1)
        )
    )
    if recent >= POSTS_PER_MINUTE:
        raise ServiceError("rate_limited", _l("You are posting very fast. Wait a minute and try again."))
    item = Item(
        workshop_id=workshop.id,
        group_id=group.id,
        kind=kind,
        parent=parent,
        text=clean,
        author=participant,
        author_participant_id=participant.id,
        client_id=client_id,
        status="visible",
    )
    item.seq = allocate_seq(workshop)
    db.session.add(item)
    db.session.flush()
    record_event(workshop, "item.created", {"item": item_payload(item)}, participant=participant, seq=item.seq)
    return item, True


def group_items(workshop: Workshop, group_id: int | None = None) -> list[Item]:
    """Visible items of a workshop (or of one group), oldest first."""
    query = select(Item).where(Item.workshop_id == workshop.id, Item.status == "visible")
    if group_id is not None:
        query = query.where(Item.group_id == group_id)
    return list(db.session.scalars(query.order_by(Item.id)))
