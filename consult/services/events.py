"""The workshop event log, and the outbox that broadcasts it only after a successful commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from consult.extensions import db
from consult.models import Participant, User, Workshop, WorkshopEvent

Message = dict[str, Any]
_subscribers: list[Callable[[int, Message], None]] = []


def subscribe(callback: Callable[[int, Message], None]) -> None:
    """Call callback(workshop_id, {seq, type, data}) for each event, after its commit."""
    if callback not in _subscribers:
        _subscribers.append(callback)


def lock_workshop(workshop: Workshop) -> None:
    """Serialize writers of one workshop until commit (PostgreSQL row lock; SQLite uses BEGIN IMMEDIATE)."""
    db.session.execute(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())


def allocate_seq(workshop: Workshop) -> int:
    """The workshop's next sequence number, for an event recorded in this transaction."""
    # The UPDATE holds the row (or database) lock until commit, so seq has no gaps and no repeats.
    seq = db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(last_seq=Workshop.last_seq + 1)
        .returning(Workshop.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(workshop, "last_seq", seq)
    return seq


def record_event(
    workshop: Workshop,
    type_: str,
    data: dict[str, Any],
    *,
    participant: Participant | None = None,
    user: User | None = None,
    seq: int | None = None,
) -> WorkshopEvent:
    """Append an event (with seq from allocate_seq, or the next one); it is broadcast once the transaction commits."""
    if seq is None:
        seq = allocate_seq(workshop)
    ev = WorkshopEvent(
        workshop_id=workshop.id,
        seq=seq,
        type=type_,
        payload=data,
        actor_participant_id=participant.id if participant else None,
        actor_user_id=user.id if user else None,
    )
    db.session.add(ev)
    db.session.info.setdefault("outbox", []).append((workshop.id, ev.as_message()))
    return ev


def events_since(workshop: Workshop, since: int, limit: int = 1000) -> list[WorkshopEvent]:
    return list(
        db.session.scalars(
            select(WorkshopEvent)
            .where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.seq > since)
            .order_by(WorkshopEvent.seq)
            .limit(limit)
        )
    )


# True inside unit_of_work: on SQLite the transaction then starts with BEGIN IMMEDIATE (see create_app).
writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One commit for one request or socket event; roll back (and broadcast nothing) on any error."""
    token = None
    if db.engine.dialect.name == "sqlite":
        # A WAL read snapshot cannot later take the write lock once another writer has committed:
        # end it, so the write starts fresh and waits for the lock instead of failing.
        db.session.rollback()
        token = writing.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if token is not None:
            writing.reset(token)


@sa_event.listens_for(Session, "after_commit")
def _release_outbox(session: Session) -> None:
    outbox = session.info.pop("outbox", None)
    for workshop_id, message in outbox or ():
        for callback in _subscribers:
            callback(workshop_id, message)


@sa_event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop("outbox", None)
