"""Moderation: hide and restore, correct, pin, move, merge and unmerge items; rapporteurs; reasoned responses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from consult.extensions import db
from consult.models import Group, Item, ItemRevision, Participant, Vote, Workshop
from consult.payloads import group_payload, item_payload, vote_counts
from consult.services.access import Actor, require_facilitator, require_moderator
from consult.services.errors import invalid, not_found
from consult.services.events import record_event
from consult.services.guards import lock_open, moderated_item
from consult.services.participants import find_group
from consult.services.text import ITEM_TEXT_MAX, as_id, clean_text, get_by_id, id_list

REASON_MAX = 200
DECISION_REASON_MAX = 500
MERGE_MAX = 50


def _moderate(workshop: Workshop, actor: Actor, item_id: object, action: str) -> Item:
    """Lock, then load the item and check the actor may moderate its group and its state accepts the action."""
    lock_open(workshop)
    return moderated_item(workshop, actor, item_id, action)


def _updated(workshop: Workshop, actor: Actor, item: Item, type_: str = "item.updated") -> Item:
    db.session.flush()
    # A hidden item's text stays off the public stream: only the facilitators' screens hear of its correction.
    stream = "public" if item.status == "visible" else "staff"
    record_event(workshop, type_, {"item": item_payload(item)}, stream=stream, **actor.event_actor)
    return item


def _public(items: list[Item]) -> list[Item]:
    """What of a list of items the public stream may carry."""
    return [i for i in items if i.status == "visible"]


def hide_item(workshop: Workshop, actor: Actor, item_id: object, reason: object = None) -> Item:
    item = _moderate(workshop, actor, item_id, "hide")
    item.status = "hidden"
    item.hidden_reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False, multiline=False)
    db.session.flush()
    # The text does not travel again: screens drop the card.
    data = {"item_id": item.id, "group_id": item.group_id, "reason": item.hidden_reason}
    record_event(workshop, "item.hidden", data, **actor.event_actor)
    return item


def restore_item(workshop: Workshop, actor: Actor, item_id: object) -> Item:
    item = _moderate(workshop, actor, item_id, "restore")
    item.status = "visible"
    item.hidden_reason = None
    return _updated(workshop, actor, item, "item.restored")


def edit_item(workshop: Workshop, actor: Actor, item_id: object, text: object) -> Item:
    """Correct a typo; the text before the correction is kept in the item's history."""
    item = _moderate(workshop, actor, item_id, "edit")
    clean = clean_text(text, field="text", max_length=ITEM_TEXT_MAX)
    if clean == item.text:
        return item
    item.revisions.append(
        ItemRevision(
            text=item.text,
            edited_by_user_id=actor.user.id if actor.user else None,
            edited_by_participant_id=actor.participant.id if actor.participant else None,
        )
    )
    item.text = clean
    return _updated(workshop, actor, item)


def pin_item(workshop: Workshop, actor: Actor, item_id: object, pinned: object) -> Item:
    if not isinstance(pinned, bool):
        raise invalid(_l("This choice is not valid."), "pinned")
    item = _moderate(workshop, actor, item_id, "pin")
    if item.pinned == pinned:
        return item
    item.pinned = pinned
    return _updated(workshop, actor, item)


def move_item(workshop: Workshop, actor: Actor, item_id: object, group_id: object) -> list[Item]:
    """Move an item to another group; a problem takes its solutions along, a solution leaves its problem."""
    require_facilitator(workshop, actor)  # a move touches two groups: a rapporteur has only one
    item = _moderate(workshop, actor, item_id, "move")
    target = find_group(workshop, group_id)
    if item.group_id == target.id:
        return [item]
    source = item.group_id
    moved = [item]
    item.group_id = target.id
    if item.kind == "problem":
        for solution in db.session.scalars(select(Item).where(Item.parent_id == item.id)):
            solution.group_id = target.id
            moved.append(solution)
    else:
        item.parent_id = None
    db.session.flush()
    data = {"from_group_id": source, "group_id": target.id, "items": [item_payload(i) for i in _public(moved)]}
    record_event(workshop, "item.moved", data, **actor.event_actor)
    return moved


def merge_items(workshop: Workshop, actor: Actor, keep_id: object, merge_ids: object) -> Item:
    """Merge duplicates into one kept item: their dots, authors and solutions carry over; undo with unmerge_item."""
    lock_open(workshop)
    keep = moderated_item(workshop, actor, keep_id, "merge_into", field="keep_id")
    ids = id_list(merge_ids, max_items=MERGE_MAX)
    if not ids:
        raise invalid(_l("Choose the items to merge."), "merge_ids")
    if keep.id in ids:
        raise invalid(_l("Merge visible items into another visible item."), "merge_ids")
    merged = [moderated_item(workshop, actor, i, "merge", field="merge_ids") for i in ids]
    if any(m.kind != keep.kind for m in merged):
        raise invalid(_l("A problem merges only with problems, a solution only with solutions."), "merge_ids")
    reparented: list[Item] = []
    for item in merged:
        item.status = "merged"
        item.merged_into_id = keep.id
        item.pinned = False
        db.session.execute(
            update(Vote)
            .where(Vote.item_id == item.id)
            .values(original_item_id=Vote.item_id, item_id=keep.id)
            .execution_options(synchronize_session=False)
        )
        if item.kind == "problem":
            for solution in db.session.scalars(select(Item).where(Item.parent_id == item.id)):
                solution.parent_before_merge_id = item.id
                solution.parent_id = keep.id
                solution.group_id = keep.group_id
                reparented.append(solution)
    db.session.flush()
    db.session.expire(keep, ["merged_items"])
    counts = vote_counts(workshop)
    data = {
        "keep": item_payload(keep, counts),
        "merged_ids": [m.id for m in merged],
        "items": [item_payload(s, counts) for s in _public(reparented)],
    }
    record_event(workshop, "items.merged", data, **actor.event_actor)
    return keep


def unmerge_item(workshop: Workshop, actor: Actor, item_id: object) -> Item:
    """Undo a merge: the item comes back with its own dots and solutions."""
    lock_open(workshop)
    item = moderated_item(workshop, actor, item_id, "unmerge")
    keep = db.session.get(Item, item.merged_into_id)
    require_moderator(workshop, actor, keep.group)
    item.status = "visible"
    item.merged_into_id = None
    db.session.execute(
        update(Vote)
        .where(Vote.original_item_id == item.id)
        .values(item_id=item.id, original_item_id=None)
        .execution_options(synchronize_session=False)
    )
    back = list(db.session.scalars(select(Item).where(Item.parent_before_merge_id == item.id)))
    for solution in back:
        solution.parent_id = item.id
        solution.group_id = item.group_id
        solution.parent_before_merge_id = None
    db.session.flush()
    db.session.expire(keep, ["merged_items"])
    counts = vote_counts(workshop)
    data = {
        "item": item_payload(item, counts),
        "keep": item_payload(keep, counts),
        "items": [item_payload(s, counts) for s in _public(back)],
    }
    record_event(workshop, "items.unmerged", data, **actor.event_actor)
    return item


def set_decision(workshop: Workshop, actor: Actor, item_id: object, decision: object, reason: object = None) -> Item:
    """Record that an item is not retained, and why (None clears it); retained and merged follow from the work."""
    item = _moderate(workshop, actor, item_id, "decide")
    if decision not in (None, "not_retained"):
        raise invalid(_l("This choice is not valid."), "decision")
    if item.recommendations:
        raise invalid(_l("This item is already merged or retained in a recommendation."), "decision")
    if decision is None:
        item.decision = item.decision_reason = None
    else:
        item.decision = decision
        item.decision_reason = clean_text(reason, field="reason", max_length=DECISION_REASON_MAX)
    return _updated(workshop, actor, item)


def set_rapporteur(workshop: Workshop, actor: Actor, group_id: object, participant_id: object) -> Group:
    """Make a participant the rapporteur of a group (None: no rapporteur)."""
    require_facilitator(workshop, actor)
    lock_open(workshop)
    group = find_group(workshop, group_id)
    if participant_id is None:
        group.rapporteur_id = None
    else:
        number = as_id(participant_id)
        participant = get_by_id(Participant, number) if number is not None else None
        if participant is None or participant.workshop_id != workshop.id:
            raise not_found(_l("This participant is not in this workshop."))
        group.rapporteur_id = participant.id
    db.session.flush()
    record_event(workshop, "group.updated", {"group": group_payload(group)}, **actor.event_actor)
    return group
