from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.workshop import Group, Workshop

CATEGORIES = (
    "council_member",
    "commune_staff",
    "civil_society",
    "iecg_member",
    "private_sector",
    "citizen",
    "other",
)
GENDERS = ("female", "male")
AGE_BANDS = ("under_18", "18_29", "30_44", "45_59", "60_plus")
# The version of the data notice in templates/join.html: change it whenever that text changes.
NOTICE_VERSION = "2026-12-01"


def hash_token(token: str) -> str:
    # The token is 32 random bytes, so a plain digest is enough and allows lookup by value.
    return hashlib.sha256(token.encode()).hexdigest()


class Participant(db.Model):
    """Somebody who joined a workshop by its code, without an account."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nickname: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10))
    consented_at: Mapped[datetime]
    # Which data notice was accepted (NOTICE_VERSION); None for those who joined before versions were recorded.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshop: Mapped[Workshop] = relationship()
    group: Mapped[Group | None] = relationship(foreign_keys=[group_id])
