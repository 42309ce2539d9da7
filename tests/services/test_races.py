"""Races on PostgreSQL: the facilitator changes the phase while phones vote and post.

Each phone and the facilitator run in their own thread, session and connection, as requests of a real server do.
A service decides on the workshop row as it is once it holds the lock, never on the row it read before.
"""

import random
import threading
import time

import pytest
from sqlalchemy import func, select, text

from consult.extensions import db
from consult.models import Item, Participant, User, Vote, Workshop, WorkshopEvent
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.events import lock_workshop
from consult.services.items import post_item, scribe_post
from consult.services.phases import control_timer, set_phase
from consult.services.votes import cast_vote
from consult.services.workshops import close_workshop
from tests.conftest import make_participant, make_workshop, postgres_url

PHONES = 12


@pytest.fixture
def database_uri():
    """Row locks and READ COMMITTED are PostgreSQL's: the races below are about them."""
    return postgres_url()


def in_thread(app, target, *args):
    def body():
        with app.app_context():
            try:
                target(*args)
            finally:
                db.session.remove()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def events_after(workshop_id: int, seq: int, type_: str) -> list[WorkshopEvent]:
    return list(
        db.session.scalars(
            select(WorkshopEvent).where(
                WorkshopEvent.workshop_id == workshop_id,
                WorkshopEvent.stream == "public",
                WorkshopEvent.type == type_,
                WorkshopEvent.seq > seq,
            )
        )
    )


def phase_changed_seq(workshop_id: int, phase: str) -> int:
    return db.session.scalar(
        select(WorkshopEvent.seq).where(
            WorkshopEvent.workshop_id == workshop_id,
            WorkshopEvent.type == "phase.changed",
            WorkshopEvent.payload["phase"].as_string() == phase,
        )
    )


def queued_on_the_lock(count: int, timeout: float = 10.0) -> None:
    """Wait until count other transactions wait for a lock (the workshop's row), as PostgreSQL itself reports."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
            if waiting >= count:
                return
            time.sleep(0.005)
    raise AssertionError(f"{count} transactions should be waiting for the workshop's lock; {waiting} are")


def phones_wait_while_the_phase_changes(app, workshop, facilitator, to_phase, phone_action):
    """Every phone reads the workshop, then the facilitator (holding the lock) changes the phase while they wait.

    Returns what each phone was told: "ok" or the refusal's code.
    """
    phones = [make_participant(workshop, i % len(workshop.groups))[0].id for i in range(PHONES)]
    # Threads use ids only: the main thread's objects belong to its own session.
    workshop_id, facilitator_id = workshop.id, facilitator.id
    read = threading.Barrier(PHONES + 1)
    outcomes: list[str] = []

    def phone(participant_id: int, n: int) -> None:
        try:
            with unit_of_work():
                w = db.session.get(Workshop, workshop_id)
                p = db.session.get(Participant, participant_id)
                assert w.phase  # the phone's request has read the workshop as it was
                read.wait()
                phone_action(w, p, n)
            outcomes.append("ok")
        except ServiceError as error:
            outcomes.append(error.code)

    def facilitate() -> None:
        with unit_of_work():
            w = db.session.get(Workshop, workshop_id)
            lock_workshop(w)
            read.wait()
            set_phase(w, Actor(user=db.session.get(User, facilitator_id)), to_phase)
            queued_on_the_lock(PHONES)

    threads = [in_thread(app, phone, pid, n) for n, pid in enumerate(phones)]
    threads.append(in_thread(app, facilitate))
    for thread in threads:
        thread.join(30)
    return outcomes


def test_no_vote_is_taken_once_voting_has_closed(app, facilitator):
    workshop = make_workshop(facilitator)
    author, _ = make_participant(workshop, 0)
    with unit_of_work():
        item, _ = post_item(workshop, author, group_id=author.group_id, kind="problem", text="الإنارة", client_id="i")
        set_phase(workshop, Actor(user=facilitator), "prioritization")
    item_id = item.id

    def vote(w, p, n):
        cast_vote(w, p, item_id=item_id, client_id=f"v{n}")

    outcomes = phones_wait_while_the_phase_changes(app, workshop, facilitator, "synthesis", vote)
    db.session.expire_all()
    assert outcomes == ["closed"] * PHONES
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert events_after(workshop.id, phase_changed_seq(workshop.id, "synthesis"), "vote.changed") == []


def test_no_problem_is_taken_once_the_room_has_moved_to_solutions(app, facilitator):
    workshop = make_workshop(facilitator, both_kinds=False)  # the problems phase takes problems only

    def post(w, p, n):
        post_item(w, p, group_id=p.group_id, kind="problem", text=f"مشكل {n}", client_id=f"p{n}")

    outcomes = phones_wait_while_the_phase_changes(app, workshop, facilitator, "solutions", post)
    db.session.expire_all()
    assert outcomes == ["closed"] * PHONES
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_phones_racing_the_facilitator_never_vote_after_the_phase_changed(app, facilitator):
    """8 rounds of 12 phones voting freely while the facilitator moves from prioritization to synthesis."""
    workshop = make_workshop(facilitator)
    author, _ = make_participant(workshop, 0)
    with unit_of_work():
        item, _ = post_item(workshop, author, group_id=author.group_id, kind="problem", text="الماء", client_id="i")
    phones = [make_participant(workshop, i % 3)[0].id for i in range(PHONES)]
    workshop_id, facilitator_id, item_id = workshop.id, facilitator.id, item.id
    late = 0
    rng = random.Random(9)
    for round_ in range(8):
        with unit_of_work():
            set_phase(workshop, Actor(user=facilitator), "prioritization")
        start = threading.Barrier(PHONES + 1)

        def phone(participant_id: int, n: int, round_: int = round_, start: threading.Barrier = start) -> None:
            start.wait()
            for k in range(3):
                try:
                    with unit_of_work():
                        w = db.session.get(Workshop, workshop_id)
                        p = db.session.get(Participant, participant_id)
                        cast_vote(w, p, item_id=item_id, client_id=f"r{round_}-{n}-{k}")
                except ServiceError:
                    pass

        def facilitate(delay: float = rng.uniform(0, 0.05), start: threading.Barrier = start) -> None:
            start.wait()
            time.sleep(delay)
            with unit_of_work():
                w = db.session.get(Workshop, workshop_id)
                set_phase(w, Actor(user=db.session.get(User, facilitator_id)), "synthesis")

        threads = [in_thread(app, phone, pid, n) for n, pid in enumerate(phones)]
        threads.append(in_thread(app, facilitate))
        for thread in threads:
            thread.join(30)
        db.session.expire_all()
        closed_at = max(
            e.seq
            for e in db.session.scalars(
                select(WorkshopEvent).where(
                    WorkshopEvent.type == "phase.changed", WorkshopEvent.workshop_id == workshop.id
                )
            )
        )
        late += len(events_after(workshop.id, closed_at, "vote.changed"))
        with unit_of_work():
            db.session.execute(Vote.__table__.delete())  # a fresh budget for the next round
    taken = len(events_after(workshop.id, 0, "vote.changed"))
    print(f"phase race: {taken} votes taken before the phase changed, {late} after it")
    assert taken > 0  # the phones did race the facilitator
    assert late == 0


def test_a_closed_workshop_takes_no_timer_and_no_scribe_card_from_a_stale_read(app, facilitator):
    workshop = make_workshop(facilitator)
    workshop_id, facilitator_id = workshop.id, facilitator.id
    read = threading.Barrier(3)
    outcomes: list[str] = []

    def facilitator_screen(action) -> None:
        try:
            with unit_of_work():
                w = db.session.get(Workshop, workshop_id)
                assert w.status == "open"
                read.wait()
                action(w, Actor(user=db.session.get(User, facilitator_id)))
            outcomes.append("ok")
        except ServiceError as error:
            outcomes.append(error.code)

    def close() -> None:
        with unit_of_work():
            w = db.session.get(Workshop, workshop_id)
            lock_workshop(w)
            read.wait()
            close_workshop(w, db.session.get(User, facilitator_id))
            time.sleep(0.3)

    def timer(w, actor):
        control_timer(w, actor, "start", seconds=300)

    def card(w, actor):
        scribe_post(w, actor, group_id=w.groups[0].id, kind="problem", text="بطاقة ورقية", client_id="card")

    threads = [
        in_thread(app, facilitator_screen, timer),
        in_thread(app, facilitator_screen, card),
        in_thread(app, close),
    ]
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    assert outcomes == ["closed", "closed"]
    w = db.session.get(Workshop, workshop.id)
    assert w.timer_ends_at is None and db.session.scalar(select(func.count(Item.id))) == 0
    assert [e.type for e in events_after(w.id, 0, "timer.changed")] == []
