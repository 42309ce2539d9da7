from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from consult.extensions import db
from consult.models.base import utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Commune(db.Model):
    """A commune: the tenant. Its users see and drive only its workshops."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    # The commune's part of its public pages' addresses (/p/<slug>), set with its first process.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    # How long after a workshop closes its participants' personal data is kept (`flask purge --expired`).
    retention_days: Mapped[int] = mapped_column(default=365, server_default="365")

    users: Mapped[list[User]] = relationship(back_populates="commune")


class User(UserMixin, db.Model):
    """A facilitator, staff member or admin of one commune."""

    __tablename__ = "users"

    ROLES = ("facilitator", "staff", "admin")

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="facilitator")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What session and remember-me cookies carry instead of the id: a new one (at logout or a new password)
    # makes every cookie issued before it worthless.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)

    commune: Mapped[Commune] = relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.rotate_session_token()

    def rotate_session_token(self) -> None:
        """Log this user out everywhere: cookies name the token, and no cookie names the new one."""
        self.session_token = new_session_token()

    def get_id(self) -> str:
        return self.session_token

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def can_facilitate(self) -> bool:
        return self.role in ("facilitator", "admin")
