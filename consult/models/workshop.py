from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.commune import Commune

DEFAULT_SETTINGS: dict[str, Any] = {
    "votes_per_participant": 3,
    "anonymous": False,
    "premoderation": False,
}


class Workshop(db.Model):
    """One participatory workshop of a commune, joined by its code."""

    __tablename__ = "workshops"

    STATUSES = ("draft", "open", "closed")

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date | None]
    venue: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="ar")
    code: Mapped[str] = mapped_column(String(6), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    phase: Mapped[str] = mapped_column(String(20), default="problems")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_SETTINGS))
    principles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The last event's sequence number; raised by one, under a row lock, for each event.
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    commune: Mapped[Commune] = relationship()
    themes: Mapped[list[Theme]] = relationship(
        back_populates="workshop", order_by="Theme.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[Group]] = relationship(
        back_populates="workshop", order_by="Group.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def setting(self, name: str) -> Any:
        return (self.settings or {}).get(name, DEFAULT_SETTINGS.get(name))


class Theme(db.Model):
    """An axis of the workshop (environment, communication, ...)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    # Stable key of a built-in axis ("environment"), None for one the facilitator made up.
    key: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    color: Mapped[str] = mapped_column(String(7), default="#2f6f4f")
    icon: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="themes")
    groups: Mapped[list[Group]] = relationship(back_populates="theme", cascade="all, delete-orphan")


class Group(db.Model):
    """A table of participants working on one theme; large rooms may have several per theme."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="groups")
    theme: Mapped[Theme] = relationship(back_populates="groups")

    @property
    def display_name(self) -> str:
        return self.name or self.theme.name
