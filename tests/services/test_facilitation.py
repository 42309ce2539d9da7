"""Phases and timer, dot voting, moderation, merging, rapporteurs, scribe mode, recommendations and decisions."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import ItemRevision, Vote, WorkshopEvent
from consult.models.base import utcnow
from consult.payloads import item_payload, recommendations_payload
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.items import approve_item, group_items, pending_items, post_item, reject_item, scribe_post
from consult.services.moderation import (
    edit_item,
    hide_item,
    merge_items,
    move_item,
    pin_item,
    restore_item,
    set_decision,
    set_rapporteur,
    unmerge_item,
)
from consult.services.phases import control_timer, set_phase
from consult.services.recommendations import delete_recommendation, reorder_recommendations, save_recommendation
from consult.services.votes import cast_vote, withdraw_vote
from consult.services.workshops import update_settings
from tests.conftest import make_facilitator, make_participant, make_workshop


def run(fn, *args, **kwargs):
    with unit_of_work():
        return fn(*args, **kwargs)


def refused(code, fn, *args, **kwargs):
    """Call fn in a unit of work, expect a refusal with code, and check that no event was recorded."""
    before = db.session.scalar(select(func.count(WorkshopEvent.id)))
    with pytest.raises(ServiceError) as caught:
        run(fn, *args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert str(caught.value.message)
    assert db.session.scalar(select(func.count(WorkshopEvent.id))) == before
    return caught.value


def post(workshop, participant, text="غياب حاويات النفايات", kind="problem", client_id=None, **kw):
    kw.setdefault("group_id", participant.group_id)
    client_id = client_id or f"c-{text}-{kind}"
    item, _ = run(post_item, workshop, participant, kind=kind, text=text, client_id=client_id, **kw)
    return item


def last_event(workshop):
    return db.session.scalar(
        select(WorkshopEvent)
        .where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.stream == "public")
        .order_by(WorkshopEvent.seq.desc())
    )


@pytest.fixture
def strict(facilitator):
    """A workshop with the default phase rules (problems only in problems, and so on), in the welcome phase."""
    return make_workshop(facilitator, phase="welcome", both_kinds=False)


# Phases


def test_the_phase_decides_what_participants_may_do(strict, facilitator):
    alice, _ = make_participant(strict, 0)
    me = Actor(user=facilitator)
    assert refused("closed", post_item, strict, alice, group_id=alice.group_id, kind="problem", text="x", client_id="1")
    run(set_phase, strict, me, "problems")
    assert strict.phase == "problems"
    event = last_event(strict)
    assert event.type == "phase.changed" and event.payload["phase"] == "problems"
    assert event.payload["allowed"] == ["problem"]
    problem = post(strict, alice)
    refused("closed", post_item, strict, alice, group_id=alice.group_id, kind="solution", text="y", client_id="2")
    run(set_phase, strict, me, "solutions")
    post(strict, alice, "حل", "solution", parent_id=problem.id)
    refused("closed", cast_vote, strict, alice, item_id=problem.id, client_id="v")
    run(set_phase, strict, me, "prioritization")
    assert run(cast_vote, strict, alice, item_id=problem.id, client_id="v")["remaining"] == 2
    refused("closed", post_item, strict, alice, group_id=alice.group_id, kind="problem", text="z", client_id="3")


def test_a_workshop_may_allow_more_than_the_phase_default(strict, facilitator):
    alice, _ = make_participant(strict, 0)
    run(update_settings, strict, facilitator, phase_actions={"problems": ["problem", "solution"]})
    run(set_phase, strict, Actor(user=facilitator), "problems")
    problem = post(strict, alice)
    assert post(strict, alice, "حل", "solution", parent_id=problem.id).parent_id == problem.id


def test_only_the_workshops_facilitator_changes_phases(strict, facilitator):
    alice, _ = make_participant(strict, 0)
    stranger = make_facilitator()  # another commune
    refused("forbidden", set_phase, strict, Actor(participant=alice), "problems")
    refused("forbidden", set_phase, strict, Actor(user=stranger), "problems")
    refused("invalid", set_phase, strict, Actor(user=facilitator), "lunch")
    assert strict.phase == "welcome"


def test_the_closed_phase_closes_the_workshop_and_reopening_goes_to_synthesis(strict, facilitator):
    me = Actor(user=facilitator)
    run(set_phase, strict, me, "closed")
    assert strict.status == "closed" and strict.phase == "closed"
    refused("closed", set_phase, strict, me, "problems")
    from consult.services.workshops import open_workshop

    run(open_workshop, strict, facilitator)
    assert strict.status == "open" and strict.phase == "synthesis"


# Timer


def test_the_server_keeps_the_countdown(strict, facilitator):
    me = Actor(user=facilitator)
    run(control_timer, strict, me, "start", seconds=300)
    assert abs((strict.timer_ends_at - utcnow()).total_seconds() - 300) < 5
    assert last_event(strict).payload["timer"]["state"] == "running"
    strict.timer_ends_at -= timedelta(seconds=100)  # as if 100 s went by
    db.session.commit()
    run(control_timer, strict, me, "pause")
    assert strict.timer_ends_at is None and 195 <= strict.timer_remaining <= 200
    assert last_event(strict).payload["timer"] | {"server_time": None} == {
        "state": "paused",
        "ends_at": None,
        "remaining": strict.timer_remaining,
        "duration": 300,
        "server_time": None,
    }
    run(control_timer, strict, me, "add")
    assert 255 <= strict.timer_remaining <= 260 and strict.timer_duration == 360
    run(control_timer, strict, me, "resume")
    assert strict.timer_remaining is None and strict.timer_ends_at > utcnow() + timedelta(seconds=250)
    run(control_timer, strict, me, "stop")
    assert last_event(strict).payload["timer"]["state"] == "idle"
    refused("invalid", control_timer, strict, me, "start", seconds=0)
    refused("invalid", control_timer, strict, me, "start", seconds="300")
    refused("invalid", control_timer, strict, me, "rewind")
    alice, _ = make_participant(strict, 0)
    refused("forbidden", control_timer, strict, Actor(participant=alice), "start", seconds=60)


def test_a_phase_may_start_its_own_countdown(strict, facilitator):
    run(set_phase, strict, Actor(user=facilitator), "problems", seconds=600)
    assert last_event(strict).payload["timer"]["state"] == "running"
    run(set_phase, strict, Actor(user=facilitator), "solutions")
    assert strict.timer_ends_at is None and last_event(strict).payload["timer"]["state"] == "idle"


# Dot voting


@pytest.fixture
def voting(workshop, facilitator):
    """Three problems of two participants, and the workshop in the prioritization phase."""
    alice, _ = make_participant(workshop, 0)
    bob, _ = make_participant(workshop, 1)
    items = [post(workshop, alice, "أولى"), post(workshop, alice, "ثانية"), post(workshop, bob, "ثالثة")]
    run(set_phase, workshop, Actor(user=facilitator), "prioritization")
    return workshop, alice, bob, items


def test_dots_are_limited_by_the_budget_and_can_be_taken_back(voting):
    workshop, alice, bob, (one, two, three) = voting
    assert run(cast_vote, workshop, alice, item_id=one.id, client_id="a1") == {
        "item_id": one.id,
        "remaining": 2,
        "mine": 1,
    }
    assert run(cast_vote, workshop, alice, item_id=one.id, client_id="a2")["mine"] == 2
    assert run(cast_vote, workshop, alice, item_id=three.id, client_id="a3")["remaining"] == 0
    error = refused("invalid", cast_vote, workshop, alice, item_id=two.id, client_id="a4")
    assert error.field == "item_id"
    event = last_event(workshop)
    assert event.type == "vote.changed" and event.payload == {"item_id": three.id, "votes": 1, "votes_cast": 3}
    assert run(withdraw_vote, workshop, alice, item_id=one.id, client_id="w1") == {
        "item_id": one.id,
        "remaining": 1,
        "mine": 1,
    }
    assert run(cast_vote, workshop, alice, item_id=two.id, client_id="a4")["remaining"] == 0
    assert item_payload(one)["votes"] == 1 and item_payload(two)["votes"] == 1
    refused("invalid", withdraw_vote, workshop, bob, item_id=one.id, client_id="w2")  # bob has no dot there


def test_a_resent_vote_or_withdrawal_changes_nothing(voting):
    workshop, alice, _bob, (one, *_rest) = voting
    first = run(cast_vote, workshop, alice, item_id=one.id, client_id="same")
    seq = workshop.last_seq
    assert run(cast_vote, workshop, alice, item_id=one.id, client_id="same") == first
    run(withdraw_vote, workshop, alice, item_id=one.id, client_id="back")
    assert run(withdraw_vote, workshop, alice, item_id=one.id, client_id="back")["mine"] == 0
    assert workshop.last_seq == seq + 1
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.withdrawn_at.is_(None))) == 0


@pytest.mark.parametrize(
    "item_id, code",
    [(None, "invalid"), ("1", "invalid"), (True, "invalid"), (2**70, "not_found"), (999_999, "not_found")],
)
def test_bad_votes_are_refused(voting, item_id, code):
    workshop, alice, *_ = voting
    refused(code, cast_vote, workshop, alice, item_id=item_id, client_id="x")


def test_a_hidden_item_cannot_get_dots(voting, facilitator):
    workshop, alice, _bob, (one, *_rest) = voting
    run(hide_item, workshop, Actor(user=facilitator), one.id, "hors sujet")
    refused("not_found", cast_vote, workshop, alice, item_id=one.id, client_id="x")


def test_hidden_counts_stay_hidden_until_the_vote_ends(voting, facilitator):
    workshop, alice, bob, (one, two, _three) = voting
    run(update_settings, workshop, facilitator, hide_votes=True)
    run(cast_vote, workshop, alice, item_id=one.id, client_id="a1")
    assert last_event(workshop).payload == {"votes_cast": 1}  # not even which item
    run(cast_vote, workshop, bob, item_id=one.id, client_id="b1")
    assert item_payload(one)["votes"] is None
    run(set_phase, workshop, Actor(user=facilitator), "synthesis")
    event = last_event(workshop)
    assert event.type == "phase.changed" and event.payload["votes"] == {str(one.id): 2}
    assert item_payload(one)["votes"] == 2 and item_payload(two)["votes"] == 0


def test_two_connections_of_one_phone_racing_cannot_exceed_the_budget(app, voting):
    workshop, alice, _bob, items = voting
    wid, pid, item_ids = workshop.id, alice.id, [i.id for i in items]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def tab(name):
        from consult.models import Participant, Workshop

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                for n in range(3):
                    try:
                        with unit_of_work():
                            w, p = db.session.get(Workshop, wid), db.session.get(Participant, pid)
                            cast_vote(w, p, item_id=item_ids[n], client_id=f"{name}-{n}")
                        results.append("ok")
                    except ServiceError as refusal:
                        results.append(refusal.code)
                    db.session.remove()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tab, args=(name,)) for name in ("tab1", "tab2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(results) == ["invalid"] * 3 + ["ok"] * 3
    db.session.rollback()
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.participant_id == pid)) == 3


# Moderation


@pytest.fixture
def board(workshop, facilitator):
    alice, _ = make_participant(workshop, 0)
    bob, _ = make_participant(workshop, 1)
    return workshop, Actor(user=facilitator), alice, bob


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


# Recommendations and decisions


def test_recommendations_are_built_from_items_and_numbered_across_axes(board):
    workshop, me, alice, bob = board
    problem = post(workshop, alice, "غياب حاويات")
    solution = post(workshop, alice, "وضع حاويات", "solution", parent_id=problem.id)
    other = post(workshop, bob, "ضعف التواصل")
    env, com = workshop.groups[0].theme, workshop.groups[1].theme
    second = run(
        save_recommendation, workshop, me, {"theme_id": com.id, "title": "بوابة إلكترونية", "item_ids": [other.id]}
    )
    first = run(
        save_recommendation,
        workshop,
        me,
        {
            "theme_id": env.id,
            "title": "تعميم الحاويات",
            "body": "وضع حاويات في كل دوار",
            "principle": "الشفافية",
            "priority": 1,
            "responsible": "الجماعة",
            "partners": "جمعيات المجتمع المدني",
            "horizon": "2025",
            "deadline": "2025-12-31",
            "budget": "200000 درهم",
            "indicator": "عدد الحاويات",
            "item_ids": [problem.id, solution.id],
        },
    )
    recs = recommendations_payload(workshop)
    assert [(r["number"], r["id"]) for r in recs] == [(1, first.id), (2, second.id)]  # axis order, not creation order
    assert recs[0]["deadline"] == "2025-12-31" and recs[0]["item_ids"] == [problem.id, solution.id]
    assert item_payload(problem)["decision"] == "retained" and item_payload(problem)["recommendation_ids"] == [first.id]
    event = last_event(workshop)
    assert event.type == "recommendation.changed" and {i["id"] for i in event.payload["items"]} == {
        problem.id,
        solution.id,
    }
    refused("invalid", save_recommendation, workshop, me, {"theme_id": env.id, "title": "x", "item_ids": [other.id]})
    refused("invalid", save_recommendation, workshop, me, {"theme_id": env.id, "title": " "})
    refused("invalid", save_recommendation, workshop, me, {"id": first.id, "deadline": "demain"})
    refused("invalid", save_recommendation, workshop, me, {"id": first.id, "priority": 0})
    refused("not_found", save_recommendation, workshop, me, {"theme_id": 2**70, "title": "x"})
    refused("not_found", save_recommendation, workshop, me, {"id": 2**70, "title": "x"})

    third = run(save_recommendation, workshop, me, {"theme_id": env.id, "title": "حملة تحسيس"})
    run(reorder_recommendations, workshop, me, env.id, [third.id, first.id])
    assert [r["id"] for r in recommendations_payload(workshop)] == [third.id, first.id, second.id]
    refused("invalid", reorder_recommendations, workshop, me, env.id, [third.id])
    run(save_recommendation, workshop, me, {"id": first.id, "item_ids": [problem.id]})
    assert item_payload(solution)["decision"] is None
    run(delete_recommendation, workshop, me, first.id)
    assert item_payload(problem)["decision"] is None
    assert [r["number"] for r in recommendations_payload(workshop)] == [1, 2]


def test_rapporteurs_consolidate_only_their_axis(board):
    workshop, me, alice, bob = board
    as_alice = Actor(participant=alice)
    env, com = workshop.groups[0].theme, workshop.groups[1].theme
    refused("forbidden", save_recommendation, workshop, as_alice, {"theme_id": env.id, "title": "x"})
    run(set_rapporteur, workshop, me, alice.group_id, alice.id)
    run(save_recommendation, workshop, as_alice, {"theme_id": env.id, "title": "x"})
    refused("forbidden", save_recommendation, workshop, as_alice, {"theme_id": com.id, "title": "y"})


def test_every_item_ends_with_a_reasoned_response(board):
    workshop, me, alice, _bob = board
    item = post(workshop, alice, "مشكل خارج اختصاص الجماعة")
    refused("invalid", set_decision, workshop, me, item.id, "not_retained", "  ")
    refused("invalid", set_decision, workshop, me, item.id, "maybe", "x")
    run(set_decision, workshop, me, item.id, "not_retained", "من اختصاص الإقليم")
    payload = last_event(workshop).payload["item"]
    assert payload["decision"] == "not_retained" and payload["reason"] == "من اختصاص الإقليم"
    run(set_decision, workshop, me, item.id, None)
    assert item_payload(item)["decision"] is None
    run(
        save_recommendation,
        workshop,
        me,
        {"theme_id": workshop.groups[0].theme.id, "title": "t", "item_ids": [item.id]},
    )
    refused("invalid", set_decision, workshop, me, item.id, "not_retained", "x")


def test_a_closed_workshop_refuses_moderation(board, facilitator):
    workshop, me, alice, _bob = board
    item = post(workshop, alice)
    run(set_phase, workshop, me, "closed")
    refused("closed", hide_item, workshop, me, item.id)
    refused("closed", save_recommendation, workshop, me, {"theme_id": workshop.groups[0].theme.id, "title": "x"})


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
