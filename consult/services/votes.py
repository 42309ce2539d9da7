"""Dot voting: a budget of dots per participant, spent on problems or solutions and taken back at will."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from consult.extensions import db
from consult.models import Item, Participant, Vote, Workshop
from consult.models.base import utcnow
from consult.payloads import item_votes
from consult.services.errors import ServiceError, forbidden, invalid, not_found
from consult.services.events import lock_workshop, record_event
from consult.services.guards import require_open
from consult.services.items import require_client_id
from consult.services.text import get_by_id


def dots_used(participant: Participant) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Vote.weight), 0)).where(
                Vote.participant_id == participant.id, Vote.withdrawn_at.is_(None)
            )
        )
    )


def my_votes(participant: Participant) -> dict[int, int]:
    """The participant's own dots per item: a phone shows which ones it can take back."""
    rows = db.session.execute(
        select(Vote.item_id, func.sum(Vote.weight))
        .where(Vote.participant_id == participant.id, Vote.withdrawn_at.is_(None))
        .group_by(Vote.item_id)
    ).all()
    return {item_id: int(n) for item_id, n in rows}


def budget(workshop: Workshop) -> int:
    return int(workshop.setting("votes_per_participant"))


def _result(workshop: Workshop, participant: Participant, item_id: int) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "remaining": budget(workshop) - dots_used(participant),
        "mine": my_votes(participant).get(item_id, 0),
    }


def _votable_item(workshop: Workshop, item_id: object) -> Item:
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise invalid(_l("Choose an item to vote on."), "item_id")
    item = get_by_id(Item, item_id, lazyload("*"))  # its columns only: not its eagerly loaded collections
    if item is None or item.workshop_id != workshop.id or item.status != "visible":
        raise not_found(_l("This item does not exist in this workshop."))
    return item


def _require_voting(workshop: Workshop) -> None:
    require_open(workshop)
    if not workshop.allows("vote"):
        raise ServiceError("closed", _l("Voting is not open in this phase."))


def _broadcast(workshop: Workshop, item: Item, participant: Participant) -> None:
    total = int(
        db.session.scalar(
            select(func.coalesce(func.sum(Vote.weight), 0))
            .join(Item, Item.id == Vote.item_id)
            .where(Item.workshop_id == workshop.id, Vote.withdrawn_at.is_(None))
        )
    )
    # While counts are hidden, not even which item got a dot goes out: only how many dots the room has cast.
    data = (
        {"votes_cast": total}
        if workshop.votes_hidden
        else {"item_id": item.id, "votes": item_votes(item), "votes_cast": total}
    )
    record_event(workshop, "vote.changed", data, participant=participant)


def cast_vote(workshop: Workshop, participant: Participant, *, item_id: object, client_id: object) -> dict[str, Any]:
    """Put one dot on an item. Resending the same client_id changes nothing and answers the same."""
    client_id = require_client_id(client_id)
    if participant.workshop_id != workshop.id:
        raise forbidden()
    # The workshop lock serializes the budget check with every other write, two tabs of one phone included.
    lock_workshop(workshop)
    done = db.session.scalar(select(Vote).where(Vote.participant_id == participant.id, Vote.client_id == client_id))
    if done is not None:
        return _result(workshop, participant, done.item_id)
    _require_voting(workshop)
    item = _votable_item(workshop, item_id)
    if dots_used(participant) >= budget(workshop):
        raise invalid(_l("You have used all your dots. Take one back to vote for something else."), "item_id")
    db.session.add(Vote(participant_id=participant.id, item_id=item.id, client_id=client_id))
    db.session.flush()
    _broadcast(workshop, item, participant)
    return _result(workshop, participant, item.id)


def withdraw_vote(
    workshop: Workshop, participant: Participant, *, item_id: object, client_id: object
) -> dict[str, Any]:
    """Take one of one's dots back from an item."""
    client_id = require_client_id(client_id)
    if participant.workshop_id != workshop.id:
        raise forbidden()
    lock_workshop(workshop)
    done = db.session.scalar(
        select(Vote).where(Vote.participant_id == participant.id, Vote.withdraw_client_id == client_id)
    )
    if done is not None:
        return _result(workshop, participant, done.item_id)
    _require_voting(workshop)
    item = _votable_item(workshop, item_id)
    vote = db.session.scalar(
        select(Vote)
        .where(Vote.participant_id == participant.id, Vote.item_id == item.id, Vote.withdrawn_at.is_(None))
        .order_by(Vote.id.desc())
        .limit(1)
    )
    if vote is None:
        raise invalid(_l("You have no dot on this item."), "item_id")
    vote.withdrawn_at = utcnow()
    vote.withdraw_client_id = client_id
    db.session.flush()
    _broadcast(workshop, item, participant)
    return _result(workshop, participant, item.id)
