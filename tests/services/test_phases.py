"""Phases and the facilitator's timer (consult/services/phases.py)."""

from datetime import timedelta

from consult.extensions import db
from consult.models.base import utcnow
from consult.services.access import Actor
from consult.services.items import post_item
from consult.services.phases import control_timer, set_phase
from consult.services.votes import cast_vote
from consult.services.workshops import update_settings
from tests.conftest import make_facilitator, make_participant, run
from tests.services.conftest import last_event, post, refused

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
