"""Moderation, merging, rapporteurs, scribe mode and pre-moderation (consult/services/moderation.py, items.py)."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import ItemRevision, WorkshopEvent
from consult.payloads import item_payload
from consult.services.access import Actor
from consult.services.items import approve_item, group_items, pending_items, reject_item, scribe_post
from consult.services.moderation import (
    edit_item,
    hide_item,
    merge_items,
    move_item,
    pin_item,
    restore_item,
    set_rapporteur,
    unmerge_item,
)
from consult.services.phases import set_phase
from consult.services.votes import cast_vote, withdraw_vote
from consult.services.workshops import update_settings
from tests.conftest import make_facilitator, make_participant, run
from tests.services.conftest import last_event, post, refused

# Moderation


def test_hide_and_restore_with_a_reason(board):
    workshop, me, alice, _bob = board
    item = post(workshop, alice)
    run(hide_item, workshop, me, item.id, "  شتم  ")
    assert item.status == "hidden" and item.hidden_reason == "شتم"
    event = last_event(workshop)
    assert event.type == "item.hidden" and "text" not in event.payload and event.payload["item_id"] == item.id
    assert item not in group_items(workshop)
    refused("invalid", hide_item, workshop, me, item.id)
    run(restore_item, workshop, me, item.id)
    assert item.status == "visible" and last_event(workshop).type == "item.restored"
    refused("invalid", restore_item, workshop, me, item.id)


def test_a_correction_keeps_the_original_text(board):
    workshop, me, alice, _bob = board
    item = post(workshop, alice, "غياب حاويات النفيات")
    run(edit_item, workshop, me, item.id, "غياب حاويات النفايات")
    assert item.text == "غياب حاويات النفايات"
    assert [r.text for r in item.revisions] == ["غياب حاويات النفيات"]
    assert last_event(workshop).payload["item"]["edited"] is True
    refused("invalid", edit_item, workshop, me, item.id, "   ")
    refused("invalid", edit_item, workshop, me, item.id, "x" * 1001)
    assert db.session.scalar(select(func.count(ItemRevision.id))) == 1


def test_pin_and_move_a_problem_with_its_solutions(board):
    workshop, me, alice, bob = board
    problem = post(workshop, alice)
    solution = post(workshop, alice, "حل", "solution", parent_id=problem.id)
    run(pin_item, workshop, me, problem.id, True)
    assert problem.pinned and last_event(workshop).payload["item"]["pinned"] is True
    refused("invalid", pin_item, workshop, me, problem.id, "yes")
    run(move_item, workshop, me, problem.id, bob.group_id)
    assert problem.group_id == solution.group_id == bob.group_id and solution.parent_id == problem.id
    event = last_event(workshop)
    assert event.type == "item.moved" and {i["id"] for i in event.payload["items"]} == {problem.id, solution.id}
    refused("not_found", move_item, workshop, me, problem.id, 2**70)


def test_a_moved_solution_leaves_its_problem_behind(board):
    workshop, me, alice, bob = board
    problem = post(workshop, alice)
    solution = post(workshop, alice, "حل", "solution", parent_id=problem.id)
    run(move_item, workshop, me, solution.id, bob.group_id)
    assert solution.group_id == bob.group_id and solution.parent_id is None and problem.group_id == alice.group_id


def test_merge_carries_votes_authors_and_solutions_and_undo_brings_them_back(board, facilitator):
    workshop, me, alice, bob = board
    keep = post(workshop, alice, "النفايات في الشارع")
    carol, _ = make_participant(workshop, 0)
    dup = post(workshop, carol, "أزبال في الشارع")
    answer = post(workshop, carol, "حاويات", "solution", parent_id=dup.id)
    run(set_phase, workshop, me, "prioritization")
    run(cast_vote, workshop, bob, item_id=keep.id, client_id="b1")
    run(cast_vote, workshop, bob, item_id=dup.id, client_id="b2")
    run(cast_vote, workshop, alice, item_id=dup.id, client_id="a1")

    run(merge_items, workshop, me, keep.id, [dup.id])
    assert dup.status == "merged" and dup.merged_into_id == keep.id
    assert answer.parent_id == keep.id
    payload = item_payload(keep)
    assert payload["votes"] == 3 and payload["merged_ids"] == [dup.id]
    assert payload["author_ids"] == sorted([alice.id, carol.id])
    event = last_event(workshop)
    assert event.type == "items.merged" and event.payload["keep"]["votes"] == 3
    assert event.payload["merged_ids"] == [dup.id] and event.payload["items"][0]["parent_id"] == keep.id
    assert dup not in group_items(workshop) and item_payload(dup)["decision"] == "merged"
    # Bob's dot on the duplicate can be taken back from the kept item.
    assert run(withdraw_vote, workshop, bob, item_id=keep.id, client_id="bw")["mine"] == 1
    run(cast_vote, workshop, bob, item_id=keep.id, client_id="b3")

    run(unmerge_item, workshop, me, dup.id)
    assert dup.status == "visible" and dup.merged_into_id is None and answer.parent_id == dup.id
    assert item_payload(keep)["votes"] + item_payload(dup)["votes"] == 3
    assert item_payload(dup)["votes"] >= 1 and item_payload(keep)["author_ids"] == [alice.id]
    assert last_event(workshop).type == "items.unmerged"
    refused("invalid", unmerge_item, workshop, me, dup.id)


@pytest.mark.parametrize(
    "merge_ids, code",
    [([], "invalid"), ("1", "invalid"), ([[1]], "invalid"), ([2**70], "not_found"), ([True], "invalid")],
)
def test_bad_merges_are_refused(board, merge_ids, code):
    workshop, me, alice, _bob = board
    keep = post(workshop, alice)
    refused(code, merge_items, workshop, me, keep.id, merge_ids)


def test_a_problem_does_not_merge_with_a_solution_nor_with_itself(board):
    workshop, me, alice, _bob = board
    problem = post(workshop, alice)
    solution = post(workshop, alice, "حل", "solution", parent_id=problem.id)
    refused("invalid", merge_items, workshop, me, problem.id, [solution.id])
    refused("invalid", merge_items, workshop, me, problem.id, [problem.id])


def test_participants_cannot_moderate_and_rapporteurs_only_their_group(board, facilitator):
    workshop, me, alice, bob = board
    mine, theirs = post(workshop, alice), post(workshop, bob, "مشكل آخر")
    as_alice = Actor(participant=alice)
    for fn, args in (
        (hide_item, (mine.id,)),
        (edit_item, (mine.id, "x")),
        (pin_item, (mine.id, True)),
        (merge_items, (mine.id, [theirs.id])),
        (set_rapporteur, (alice.group_id, alice.id)),
    ):
        refused("forbidden", fn, workshop, as_alice, *args)
    run(set_rapporteur, workshop, me, alice.group_id, alice.id)
    assert last_event(workshop).payload["group"]["rapporteur_id"] == alice.id
    run(hide_item, workshop, as_alice, mine.id, None)
    run(restore_item, workshop, as_alice, mine.id)
    run(edit_item, workshop, as_alice, mine.id, "مصحح")
    refused("forbidden", hide_item, workshop, as_alice, theirs.id)
    refused("forbidden", move_item, workshop, as_alice, mine.id, bob.group_id)
    refused("forbidden", merge_items, workshop, as_alice, mine.id, [theirs.id])
    stranger = Actor(user=make_facilitator())
    refused("forbidden", hide_item, workshop, stranger, mine.id)
    refused("not_found", set_rapporteur, workshop, me, alice.group_id, 2**70)


# Scribe mode


def test_the_facilitator_types_for_people_without_phones(strict, facilitator):
    me = Actor(user=facilitator)
    group = strict.groups[1]
    item, created = run(
        scribe_post,
        strict,
        me,
        group_id=group.id,
        kind="problem",
        text="بطاقة ورقية: الطريق مقطوعة",
        client_id="s1",
        speaker_category="citizen",
        speaker_gender="female",
    )
    assert created and item.by_scribe and item.author_participant_id is None and item.author_user_id == facilitator.id
    assert (item.speaker_category, item.speaker_gender) == ("citizen", "female")
    assert strict.phase == "welcome"  # scribe mode follows no phase
    again, created = run(scribe_post, strict, me, group_id=group.id, kind="problem", text="x", client_id="s1")
    assert again.id == item.id and not created
    refused(
        "invalid", scribe_post, strict, me, group_id=group.id, kind="problem", text="y", client_id="s2",
        speaker_gender="robot",
    )  # fmt: skip


def test_a_rapporteur_types_only_in_their_group(board):
    workshop, me, alice, bob = board
    as_alice = Actor(participant=alice)
    refused(
        "forbidden", scribe_post, workshop, as_alice, group_id=alice.group_id, kind="problem", text="x", client_id="1"
    )
    run(set_rapporteur, workshop, me, alice.group_id, alice.id)
    item, _ = run(scribe_post, workshop, as_alice, group_id=alice.group_id, kind="problem", text="x", client_id="1")
    assert item.scribe_participant_id == alice.id and item.author_participant_id is None
    refused(
        "forbidden", scribe_post, workshop, as_alice, group_id=bob.group_id, kind="problem", text="y", client_id="2"
    )


# Pre-moderation


def test_premoderated_items_wait_for_approval_on_the_staff_stream(board, facilitator):
    workshop, me, alice, bob = board
    run(update_settings, workshop, facilitator, premoderation=True)
    public_seq, staff_seq = workshop.last_seq, workshop.staff_seq
    item = post(workshop, alice, "ينتظر الموافقة")
    assert item.status == "pending" and workshop.last_seq == public_seq  # nothing on the public stream
    staff = db.session.scalars(
        select(WorkshopEvent).where(WorkshopEvent.stream == "staff", WorkshopEvent.seq > staff_seq)
    ).all()
    assert [(e.seq, e.type) for e in staff] == [(staff_seq + 1, "item.pending")] and workshop.staff_seq == staff_seq + 1
    assert item not in group_items(workshop)
    assert pending_items(workshop) == [item] and pending_items(workshop, alice) == [item]
    assert pending_items(workshop, bob) == []
    refused("forbidden", approve_item, workshop, Actor(participant=alice), item.id)
    run(set_phase, workshop, me, "prioritization")
    refused("not_found", cast_vote, workshop, bob, item_id=item.id, client_id="v")  # not votable while pending
    public_seq = workshop.last_seq

    run(approve_item, workshop, me, item.id)
    assert item.status == "visible" and item.seq == workshop.last_seq == public_seq + 1
    assert last_event(workshop).type in ("item.created", "item.approved")
    public = db.session.scalars(
        select(WorkshopEvent).where(WorkshopEvent.stream == "public").order_by(WorkshopEvent.seq.desc())
    ).first()
    assert public.type == "item.created" and public.payload["item"]["id"] == item.id
    refused("invalid", approve_item, workshop, me, item.id)

    run(set_phase, workshop, me, "problems")
    other = post(workshop, bob, "مرفوض")
    run(reject_item, workshop, me, other.id, "خارج الموضوع")
    assert other.status == "rejected" and other.hidden_reason == "خارج الموضوع" and workshop.staff_seq == staff_seq + 4
