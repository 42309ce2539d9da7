"""Personal data under law 09-08: purging a workshop's participants once it is over, and the retention period.

A purge keeps what the report needs as figures on the workshop (Workshop.attendance) and deletes the participant
rows: a deleted row has nothing left to leak, whereas an "anonymized" row keeps its join time, group and votes
together. Items, votes and decisions stay, linked to nobody; the event log keeps its seq numbers, scrubbed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, text, update

from consult.extensions import db
from consult.models import Commune, Group, Item, ItemRevision, Participant, Vote, Workshop, WorkshopEvent
from consult.models.base import utcnow
from consult.services.errors import ServiceError, invalid
from consult.services.events import lock_workshop
from consult.services.outcome import add_attendance, attendance_counts, report_items, scribed_ids

RETENTION_MAX = 3650  # ten years: beyond that a "retention period" is a way of never deleting

# Keys of a logged payload that say who somebody is or link them to what they did; the purge empties them.
PERSONAL_KEYS = frozenset(
    {
        "participant_id",
        "author_id",
        "author_ids",
        "author_name",
        "rapporteur_id",
        "scribe_participant_id",
        "edited_by_participant_id",
        "nickname",
        "category",
        "gender",
        "age_band",
        "speaker_category",
        "speaker_gender",
        "client_id",
        "withdraw_client_id",
        "token",
    }
)


def scrub(value: Any) -> Any:
    """A logged payload with every personal key emptied (None, or [] for a list), at any depth."""
    if isinstance(value, dict):
        return {
            key: ([] if isinstance(v, list) else None) if key in PERSONAL_KEYS else scrub(v) for key, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def purge_workshop(workshop: Workshop) -> int:
    """Delete the personal data of a draft or closed workshop's participants; the number of participants removed.

    Running it again is harmless: the kept figures only grow by the people who joined since (a reopened workshop).
    Nothing goes out on the workshop's streams: a closed workshop's screens have nothing new to show.
    """
    if db.engine.dialect.name == "sqlite":
        # Deleted rows are overwritten with zeros instead of lingering in free pages of the file.
        db.session.execute(text("PRAGMA secure_delete = ON"))
    lock_workshop(workshop)
    if workshop.status == "open":
        raise ServiceError("invalid", _l("Close the workshop before purging its participants' personal data."))
    kept = workshop.attendance
    counts = attendance_counts(workshop, report_items(workshop), counted=scribed_ids(workshop))
    workshop.attendance = add_attendance(kept, counts) if kept else counts
    people = select(Participant.id).where(Participant.workshop_id == workshop.id).scalar_subquery()
    items = select(Item.id).where(Item.workshop_id == workshop.id).scalar_subquery()
    quiet = {"synchronize_session": False}
    db.session.execute(
        update(Item)
        .where(Item.workshop_id == workshop.id)
        .values(
            author_participant_id=None,
            scribe_participant_id=None,
            client_id=None,
            speaker_category=None,
            speaker_gender=None,
            updated_at=Item.updated_at,  # the text did not change: no "edited" time
        )
        .execution_options(**quiet)
    )
    db.session.execute(
        update(ItemRevision)
        .where(or_(ItemRevision.item_id.in_(items), ItemRevision.edited_by_participant_id.in_(people)))
        .values(edited_by_participant_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        update(Vote)
        .where(or_(Vote.item_id.in_(items), Vote.participant_id.in_(people)))
        .values(participant_id=None, client_id=None, withdraw_client_id=None)
        .execution_options(**quiet)
    )
    db.session.execute(
        update(Group).where(Group.workshop_id == workshop.id).values(rapporteur_id=None).execution_options(**quiet)
    )
    for event in db.session.scalars(
        select(WorkshopEvent).where(
            or_(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.actor_participant_id.in_(people))
        )
    ):
        event.actor_participant_id = None
        event.payload = scrub(event.payload)
    db.session.flush()
    removed = db.session.execute(
        delete(Participant).where(Participant.workshop_id == workshop.id).execution_options(**quiet)
    ).rowcount
    workshop.purged_at = utcnow()
    db.session.flush()
    # The bulk statements went around the session: what it holds of this workshop's rows is stale.
    db.session.expire_all()
    return removed


def purgeable(workshop: Workshop) -> bool:
    """Closed, and not purged since it (last) closed."""
    return workshop.status == "closed" and (
        workshop.purged_at is None or (workshop.closed_at is not None and workshop.purged_at < workshop.closed_at)
    )


def workshops_closed_before(day: date) -> list[Workshop]:
    """Closed workshops whose day of closing is before day, and not purged since."""
    start = datetime(day.year, day.month, day.day)
    rows = db.session.scalars(
        select(Workshop).where(Workshop.status == "closed", Workshop.closed_at < start).order_by(Workshop.id)
    )
    return [w for w in rows if purgeable(w)]


def expired_workshops(now: datetime | None = None) -> list[Workshop]:
    """Closed workshops kept longer than their commune's retention period, and not purged since."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Workshop, Commune.retention_days)
        .join(Commune, Commune.id == Workshop.commune_id)
        .where(Workshop.status == "closed", Workshop.closed_at.is_not(None))
        .order_by(Workshop.id)
    ).all()
    return [w for w, days in rows if w.closed_at + timedelta(days=days) <= now and purgeable(w)]


def set_retention(commune: Commune, days: object) -> None:
    """How many days after closing a workshop's personal data is kept."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= RETENTION_MAX:
        raise invalid(_l("Give a number of days between 1 and %(max)d.", max=RETENTION_MAX), "retention_days")
    commune.retention_days = days


def release_freed_space() -> None:
    """After a purge's commit: on SQLite, move the zeroed pages into the file and empty the write-ahead log."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        # The raw connection: SQLAlchemy would open a transaction, inside which a checkpoint cannot finish.
        connection.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
