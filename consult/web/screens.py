"""What the live screens (phone, board, control panel) receive with the page: a snapshot and their labels.

A screen draws the snapshot at once, then applies the events after its `seq` (sync on connect): every event
carries whole values, so an event replayed over a snapshot that already has it changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.extensions import db
from consult.models import Item, Participant, Workshop
from consult.models.base import utcnow
from consult.models.workshop import PHASES
from consult.payloads import (
    iso,
    item_payload,
    participation_counts,
    recommendations_payload,
    vote_counts,
    workshop_payload,
)
from consult.services.votes import budget, dots_used, my_votes

PHASE_NAMES = {
    "welcome": _l("Welcome"),
    "problems": _l("Problems"),
    "solutions": _l("Solutions"),
    "prioritization": _l("Prioritization"),
    "synthesis": _l("Synthesis"),
    "closed": _l("Closed"),
}
# What a participant is asked to do in each phase (problems and solutions together have their own line).
PHASE_HINTS = {
    "welcome": _l("Welcome! The workshop starts soon: wait for the facilitator."),
    "problems": _l("Post the problems you see in your group's axis."),
    "solutions": _l("Propose solutions to the problems of your group."),
    "together": _l("Post problems and the solutions you propose."),
    "prioritization": _l("Vote: put your dots on what matters most. You can take a dot back."),
    "synthesis": _l("Here are the recommendations of the workshop."),
    "closed": _l("The workshop is closed. Thank you for taking part!"),
}
ITEM_LABELS = {
    "you": _l("You"),
    "problem": _l("Problem"),
    "solution": _l("Solution"),
    "pinned": _l("Pinned"),
    "edited": _l("Corrected"),
    "paper": _l("Paper card"),
    "dots": _l("Dots"),
    "dots_cast": _l("Dots cast"),
    "retained": _l("Retained"),
    "not_retained": _l("Not retained"),
    "recommendations": _l("Recommendations"),
    "no_recommendations": _l("No recommendation yet."),
    "nothing": _l("Nothing posted yet."),
    "ok": _l("OK"),
    "cancel": _l("Cancel"),
    "offline": _l("Not connected. Wait for the connection to come back and try again."),
    "time_up": _l("Time is up"),
}
MODERATION_LABELS = {
    "pin": _l("Pin"),
    "unpin": _l("Unpin"),
    "edit": _l("Correct"),
    "hide": _l("Hide"),
    "restore": _l("Restore"),
    "ask_edit": _l("Correct the text"),
    "ask_hide": _l("Hide this item from every screen? Reason (optional):"),
}
RECOMMENDATION_LABELS = {
    "edit_recommendation": _l("Edit"),
    "up": _l("Move up"),
    "down": _l("Move down"),
    "delete": _l("Delete"),
    "confirm_delete": _l("Delete this recommendation?"),
    "rec_new": _l("New recommendation"),
    "rec_edit": _l("Edit the recommendation"),
    "saved": _l("Saved."),
    "none": _l("— none —"),
}


def labels(*groups: dict[str, Any]) -> dict[str, str]:
    """Labels for a page's script, in the page's language."""
    merged: dict[str, str] = {}
    for group in (ITEM_LABELS, *groups):
        merged.update({key: str(value) for key, value in group.items()})
    merged.update({f"phase_{key}": str(value) for key, value in PHASE_NAMES.items()})
    return merged


def phase_hint(workshop: Workshop) -> str:
    if workshop.status == "draft":
        return str(PHASE_HINTS["welcome"])
    if workshop.status == "closed":
        return str(PHASE_HINTS["closed"])
    if workshop.phase in ("problems", "solutions") and workshop.allows("problem") and workshop.allows("solution"):
        return str(PHASE_HINTS["together"])
    return str(PHASE_HINTS[workshop.phase])


def hint_labels() -> dict[str, str]:
    return {f"hint_{key}": str(value) for key, value in PHASE_HINTS.items()}


def snapshot(
    workshop: Workshop,
    *,
    participant: Participant | None = None,
    group_id: int | None = None,
    every_status: bool = False,
    with_items: bool = True,
) -> dict[str, Any]:
    """The workshop as a live screen starts from: one group's items or all of them (or none, with_items=False);
    every_status adds the hidden and merged items (facilitators)."""
    # seq first: what is read after it is at least as new, and the events after seq bring it up to date.
    seq = workshop.last_seq
    votes = vote_counts(workshop)
    query = select(Item).where(Item.workshop_id == workshop.id)
    query = query.where(Item.status.in_(("visible", "hidden", "merged") if every_status else ("visible",)))
    if group_id is not None:
        query = query.where(Item.group_id == group_id)
    items = []
    for item in db.session.scalars(query.order_by(Item.id)) if with_items else ():
        payload = item_payload(item, votes)
        if every_status and item.status == "hidden":
            payload["hidden_reason"] = item.hidden_reason
        items.append(payload)
    data: dict[str, Any] = {
        "seq": seq,
        "server_time": iso(utcnow()),
        "workshop": workshop_payload(workshop),
        "items": items,
        "recommendations": recommendations_payload(workshop),
        "counts": participation_counts(workshop),
        "votes_cast": sum(votes.values()),
        "phases": list(PHASES),
    }
    if participant is not None:
        data["me"] = {
            "id": participant.id,
            "group_id": participant.group_id,
            "votes": {str(k): v for k, v in my_votes(participant).items()},
            "votes_remaining": budget(workshop) - dots_used(participant),
            "budget": budget(workshop),
        }
    return data


def participants_list(workshop: Workshop) -> list[dict[str, Any]]:
    """Who can be named rapporteur: id, nickname and group."""
    rows = db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id).order_by(Participant.id)
    )
    return [{"id": p.id, "nickname": p.nickname, "group_id": p.group_id} for p in rows]
