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
from consult.models import Item, Participant, User, Workshop, WorkshopEvent

Message = dict[str, Any]
_subscribers: list[Callable[[int, Message, str], None]] = []


def subscribe(callback: Callable[[int, Message, str], None]) -> None:
    """Call callback(workshop_id, {seq, type, data}, stream) for each event, after its commit."""
    if callback not in _subscribers:
        _subscribers.append(callback)


def lock_workshop(workshop: Workshop) -> Workshop:
    """Serialize writers of one workshop until commit, and reread its row under the lock.

    PostgreSQL takes a row lock; SQLite holds the database lock since BEGIN IMMEDIATE. A decision taken on the row as
    read before the lock (the phase, the status, the settings) could be a committed change behind, so every column is
    loaded again: the workshop object is the locked, current row for the rest of the transaction.
    """
    if writing.get() and db.engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE took the database lock before this transaction read a row: what it read is current.
        return workshop
    # Fetched, not only selected: populate_existing applies as rows are loaded.
    return db.session.scalars(
        select(Workshop).where(Workshop.id == workshop.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def allocate_seq(workshop: Workshop, stream: str = "public") -> int:
    """The next sequence number of the workshop's stream, for an event recorded in this transaction."""
    # The UPDATE holds the row (or database) lock until commit, so seq has no gaps and no repeats.
    column = Workshop.last_seq if stream == "public" else Workshop.staff_seq
    seq = db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id)
        .values({column: column + 1})
        .returning(column)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(workshop, column.key, seq)
    return seq


def record_event(
    workshop: Workshop,
    type_: str,
    data: dict[str, Any],
    *,
    participant: Participant | None = None,
    user: User | None = None,
    seq: int | None = None,
    stream: str = "public",
) -> WorkshopEvent:
    """Append an event (with seq from allocate_seq, or the next one); it is broadcast once the transaction commits."""
    if seq is None:
        seq = allocate_seq(workshop, stream)
    ev = WorkshopEvent(
        workshop_id=workshop.id,
        stream=stream,
        seq=seq,
        type=type_,
        payload=data,
        actor_participant_id=participant.id if participant else None,
        actor_user_id=user.id if user else None,
    )
    db.session.add(ev)
    db.session.info.setdefault("outbox", []).append((workshop.id, ev.as_message(), stream))
    return ev


def events_since(workshop: Workshop, since: int, limit: int = 1000, stream: str = "public") -> list[WorkshopEvent]:
    return list(
        db.session.scalars(
            select(WorkshopEvent)
            .where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.stream == stream, WorkshopEvent.seq > since)
            .order_by(WorkshopEvent.seq)
            .limit(limit)
        )
    )


def replay(workshop: Workshop, events: list[WorkshopEvent], stream: str = "public") -> list[Message]:
    """The events as a reconnecting screen receives them, built from the current rows.

    The log keeps what was broadcast; a replay shows each item as it is now, so that no replay carries text the
    current state no longer shows: a hidden item's text, the text before a correction, a purged nickname.
    Rebuilding beats rewriting the log on every hide or correction: the log stays an append-only audit trail, and
    one function, not every moderation action, keeps replays clean.
    """
    from consult.payloads import item_payload, recommendations_payload, vote_counts

    logged = [_embedded_items(ev.payload) for ev in events]
    ids = {entry["id"] for entries in logged for _key, entry in entries if isinstance(entry.get("id"), int)}
    rows = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
    counts = vote_counts(workshop) if ids else {}
    current: dict[int, dict[str, Any]] = {}

    def now(entry: dict[str, Any]) -> dict[str, Any]:
        item = rows.get(entry.get("id"))
        if item is None:
            return {**entry, "text": "", "status": "hidden", "author_id": None, "author_name": None, "author_ids": []}
        if item.id not in current:
            payload = item_payload(item, counts)
            if stream == "public" and item.status not in PUBLIC_STATUSES:
                payload.update(text="", author_id=None, author_name=None, author_ids=[], status="hidden")
            current[item.id] = payload
        return current[item.id]

    recommendations = None
    messages = []
    for ev in events:
        data = dict(ev.payload)
        for key in ("item", "keep"):
            if isinstance(data.get(key), dict):
                data[key] = now(data[key])
        if isinstance(data.get("items"), list):
            data["items"] = [now(entry) if isinstance(entry, dict) else entry for entry in data["items"]]
        if "recommendations" in data:
            if recommendations is None:
                recommendations = recommendations_payload(workshop)
            data["recommendations"] = recommendations
        messages.append({"seq": ev.seq, "type": ev.type, "data": data})
    return messages


# What the public stream may show of an item: visible ones, and merged ones (their text lives on in the kept item).
PUBLIC_STATUSES = ("visible", "merged")


def _embedded_items(payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The item payloads an event carries: under "item", "keep", and in the list "items"."""
    found = [(key, payload[key]) for key in ("item", "keep") if isinstance(payload.get(key), dict)]
    found += [("items", entry) for entry in payload.get("items") or () if isinstance(entry, dict)]
    return found


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
    for workshop_id, message, stream in outbox or ():
        for callback in _subscribers:
            callback(workshop_id, message, stream)


@sa_event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop("outbox", None)
