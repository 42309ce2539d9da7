"""Dot voting (consult/services/votes.py)."""

import threading

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Vote
from consult.payloads import item_payload
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.moderation import (
    hide_item,
)
from consult.services.phases import set_phase
from consult.services.votes import cast_vote, withdraw_vote
from consult.services.workshops import update_settings
from tests.conftest import make_participant, run
from tests.services.conftest import last_event, post, refused

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
