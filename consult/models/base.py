from datetime import UTC, datetime


def utcnow() -> datetime:
    # Stored naive in UTC: SQLite has no time zones and PostgreSQL columns are "without time zone".
    return datetime.now(UTC).replace(tzinfo=None)
