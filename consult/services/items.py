"""Posting problems and solutions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consult.extensions import db
from consult.models import Group, Item, Participant, Workshop
from consult.models.item import KINDS
from consult.models.participant import CATEGORIES, GENDERS
from consult.payloads import item_payload
from consult.services.access import Actor, require_facilitator, require_moderator
from consult.services.errors import ServiceError, forbidden, invalid, not_found
from consult.services.events import allocate_seq, lock_workshop, record_event
from consult.services.guards import lock_open, moderated_item, require_open
from consult.services.participants import find_group
from consult.services.text import ITEM_TEXT_MAX, choice, clean_text, get_by_id

CLIENT_ID_MAX = 64


def require_client_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > CLIENT_ID_MAX:
        raise invalid(_l("This request is missing its identifier; reload the page."), "client_id")
    # A phone sends a UUID: a control character or a lone surrogate cannot be stored (PostgreSQL refuses NUL).
    if not value.isprintable():
        raise invalid(_l("This request has an invalid identifier; reload the page."), "client_id")
    return value.strip()


KIND_CLOSED = {
    "problem": _l("Problems are not being collected in this phase."),
    "solution": _l("Solutions are not being collected in this phase."),
}


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
    client_id = require_client_id(client_id)
    if participant.workshop_id != workshop.id:
        raise forbidden()
    lock_workshop(workshop)
    # How fast one participant may post is the door's throttle (RATELIMIT_POST_PARTICIPANT), counted before this.
    existing_id = db.session.scalar(
        select(Item.id).where(Item.author_participant_id == participant.id, Item.client_id == client_id)
    )
    if existing_id is not None:
        return db.session.get(Item, existing_id), False
    require_open(workshop)
    if kind not in KINDS:
        raise invalid(_l("An item is either a problem or a solution."), "kind")
    if not workshop.allows(kind):
        raise ServiceError("closed", KIND_CLOSED[kind])
    group = find_group(workshop, group_id)
    if participant.group_id != group.id:
        raise forbidden(_l("You can post only in your own group. Join this group first."))
    clean = clean_text(text, field="text", max_length=ITEM_TEXT_MAX)
    parent = _parent(workshop, group, kind, parent_id)
    item = Item(author=participant, author_participant_id=participant.id)
    if workshop.setting("premoderation"):
        return _add_pending(workshop, item, group, kind, parent, clean, client_id, participant), True
    return _add(workshop, item, group, kind, parent, clean, client_id, Actor(participant=participant)), True


def scribe_post(
    workshop: Workshop,
    actor: Actor,
    *,
    group_id: object,
    kind: object,
    text: object,
    client_id: object,
    parent_id: object = None,
    speaker_category: object = None,
    speaker_gender: object = None,
) -> tuple[Item, bool]:
    """The facilitator or a rapporteur types an item for somebody without a phone (a paper card, a remark).

    Scribe items follow no phase and no rate limit; the speaker's category and gender keep the figures true.
    """
    client_id = require_client_id(client_id)
    lock_workshop(workshop)
    by_user = actor.user is not None
    existing = db.session.scalar(
        select(Item).where(
            Item.workshop_id == workshop.id,
            Item.client_id == client_id,
            Item.author_user_id == actor.user.id if by_user else Item.scribe_participant_id == actor.participant.id,
        )
    )
    if existing is not None:
        return existing, False
    require_open(workshop)
    if kind not in KINDS:
        raise invalid(_l("An item is either a problem or a solution."), "kind")
    group = find_group(workshop, group_id)
    require_moderator(workshop, actor, group)
    clean = clean_text(text, field="text", max_length=ITEM_TEXT_MAX)
    parent = _parent(workshop, group, kind, parent_id)
    item = Item(
        author_user_id=actor.user.id if by_user else None,
        scribe_participant_id=None if by_user else actor.participant.id,
        speaker_category=choice(speaker_category, CATEGORIES, field="speaker_category"),
        speaker_gender=choice(speaker_gender, GENDERS, field="speaker_gender"),
    )
    return _add(workshop, item, group, kind, parent, clean, client_id, actor), True


def _parent(workshop: Workshop, group: Group, kind: str, parent_id: object) -> Item | None:
    if parent_id is None:
        return None
    if kind != "solution":
        raise invalid(_l("Only a solution can answer a problem."), "parent_id")
    if not isinstance(parent_id, int) or isinstance(parent_id, bool):
        raise invalid(_l("Choose a problem of your group."), "parent_id")
    parent = get_by_id(Item, parent_id, lazyload("*"))  # its columns only: not its eagerly loaded collections
    if parent is None or parent.workshop_id != workshop.id or parent.status != "visible":
        raise not_found(_l("This problem does not exist in this workshop."))
    if parent.group_id != group.id or parent.kind != "problem":
        raise invalid(_l("A solution can only answer a problem of the same group."), "parent_id")
    return parent


def _fill(
    item: Item, workshop: Workshop, group: Group, kind: str, parent: Item | None, text: str, client_id: str
) -> None:
    item.workshop_id = workshop.id
    item.group_id = group.id
    item.kind = kind
    item.parent = parent
    item.text = text
    item.client_id = client_id


def _add_pending(
    workshop: Workshop,
    item: Item,
    group: Group,
    kind: str,
    parent: Item | None,
    text: str,
    client_id: str,
    participant: Participant,
) -> Item:
    """Pre-moderation: only the author and the facilitators see the item until a facilitator approves it."""
    _fill(item, workshop, group, kind, parent, text, client_id)
    item.status = "pending"
    item.seq = 0  # no public event yet; approval gives it one
    db.session.add(item)
    db.session.flush()
    _known_empty(item)
    record_event(workshop, "item.pending", {"item": item_payload(item, {})}, participant=participant, stream="staff")
    return item


def approve_item(workshop: Workshop, actor: Actor, item_id: object) -> Item:
    """Publish an item held for pre-moderation: it appears on every screen as if just posted."""
    require_facilitator(workshop, actor)
    lock_open(workshop)
    item = moderated_item(workshop, actor, item_id, "approve")
    item.status = "visible"
    item.seq = allocate_seq(workshop)
    db.session.flush()
    record_event(workshop, "item.created", {"item": item_payload(item)}, seq=item.seq, **actor.event_actor)
    record_event(workshop, "item.approved", {"item_id": item.id}, stream="staff", **actor.event_actor)
    return item


def reject_item(workshop: Workshop, actor: Actor, item_id: object, reason: object = None) -> Item:
    """Keep an item held for pre-moderation off the screens for good (it stays in the record, rejected)."""
    require_facilitator(workshop, actor)
    lock_open(workshop)
    item = moderated_item(workshop, actor, item_id, "reject")
    item.status = "rejected"
    item.hidden_reason = clean_text(reason, field="reason", max_length=200, required=False, multiline=False)
    db.session.flush()
    data = {"item_id": item.id, "reason": item.hidden_reason}
    record_event(workshop, "item.rejected", data, stream="staff", **actor.event_actor)
    return item


def pending_items(workshop: Workshop, participant: Participant | None = None) -> list[Item]:
    """Items waiting for approval: all of them for facilitators, one's own for a participant."""
    query = select(Item).where(Item.workshop_id == workshop.id, Item.status == "pending")
    if participant is not None:
        query = query.where(Item.author_participant_id == participant.id)
    return list(db.session.scalars(query.order_by(Item.id)))


def _add(
    workshop: Workshop,
    item: Item,
    group: Group,
    kind: str,
    parent: Item | None,
    text: str,
    client_id: str,
    actor: Actor,
) -> Item:
    _fill(item, workshop, group, kind, parent, text, client_id)
    item.status = "visible"
    item.seq = allocate_seq(workshop)
    db.session.add(item)
    db.session.flush()
    _known_empty(item)
    record_event(workshop, "item.created", {"item": item_payload(item, {})}, seq=item.seq, **actor.event_actor)
    return item


def _known_empty(item: Item) -> None:
    """A new item has no merged items, revisions or recommendations: say so rather than ask the database each time."""
    for collection in ("merged_items", "revisions", "recommendations"):
        set_committed_value(item, collection, [])


def group_items(workshop: Workshop, group_id: int | None = None) -> list[Item]:
    """Visible items of a workshop (or of one group), oldest first, with their authors (every payload shows them)."""
    query = (
        select(Item)
        .where(Item.workshop_id == workshop.id, Item.status == "visible")
        .options(
            # A self-referential eager load stops at the first level unless asked: one query for all, not one per item.
            joinedload(Item.author),
            selectinload(Item.merged_items),
        )
    )
    if group_id is not None:
        query = query.where(Item.group_id == group_id)
    return list(db.session.scalars(query.order_by(Item.id)))
