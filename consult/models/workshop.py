from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.commune import Commune

PHASES = ("welcome", "problems", "solutions", "prioritization", "synthesis", "closed")
ACTIONS = ("problem", "solution", "vote")
# What participants may do in each phase; a workshop may allow more (settings["phase_actions"]).
PHASE_ACTIONS: dict[str, tuple[str, ...]] = {
    "welcome": (),
    "problems": ("problem",),
    "solutions": ("solution",),
    "prioritization": ("vote",),
    "synthesis": (),
    "closed": (),
}
# The built-in axes (Theme.key), named in every language by the catalog.
AXIS_NAMES = {
    "environment": _l("Environment"),
    "communication": _l("Communication"),
    "digitalization": _l("Digitalization"),
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "votes_per_participant": 3,
    "hide_votes": False,
    "anonymous": False,
    "premoderation": False,
    "phase_actions": {},
    # Large rooms: tables (groups) per axis, and a size at which a full axis opens one more (0: never).
    "tables_per_axis": 1,
    "table_size": 0,
}
# A table's name, numbered within its axis, in every language by the catalog.
TABLE_NAME = _l("Table %(number)d")


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
    phase: Mapped[str] = mapped_column(String(20), default="welcome")
    # The countdown: running while timer_ends_at is set, paused while timer_remaining is; the server keeps it.
    timer_ends_at: Mapped[datetime | None]
    timer_remaining: Mapped[int | None]
    timer_duration: Mapped[int | None]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_SETTINGS))
    principles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The last event's sequence number; raised by one, under a row lock, for each event.
    last_seq: Mapped[int] = mapped_column(default=0)
    # The same for the facilitators' own stream.
    staff_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Set by the purge of personal data, with the attendance figures the report keeps showing (see services/privacy.py).
    purged_at: Mapped[datetime | None]
    attendance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The consultation process it is a step of, and when its outcome went on the process's public page.
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"), index=True)
    published_at: Mapped[datetime | None]

    commune: Mapped[Commune] = relationship()
    themes: Mapped[list[Theme]] = relationship(
        back_populates="workshop", order_by="Theme.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[Group]] = relationship(
        back_populates="workshop", order_by="Group.position", cascade="all, delete-orphan"
    )

    @classmethod
    def process_order(cls) -> tuple:
        """A process's workshops in order: dated ones by date, undated ones after them (NULLs sort first in SQLite,
        last in PostgreSQL: the first key makes both agree), then by id."""
        return (cls.date.is_(None), cls.date, cls.id)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def setting(self, name: str) -> Any:
        return (self.settings or {}).get(name, DEFAULT_SETTINGS.get(name))

    def allows(self, action: str) -> bool:
        """May participants do action ("problem", "solution", "vote") in the current phase?"""
        extra = (self.setting("phase_actions") or {}).get(self.phase, ())
        return action in PHASE_ACTIONS.get(self.phase, ()) or action in extra

    @property
    def votes_hidden(self) -> bool:
        """Counts stay hidden while the room votes, when the facilitator chose so (against bandwagon effects)."""
        return bool(self.setting("hide_votes")) and self.phase == "prioritization"


class Theme(db.Model):
    """An axis of the workshop (environment, communication, ...)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    # Stable key of a built-in axis ("environment"), None for one the facilitator made up.
    key: Mapped[str | None] = mapped_column(String(40))
    # The name in the workshop's language; names holds the facilitator's names in other languages ({"fr": ...}).
    name: Mapped[str] = mapped_column(String(120))
    names: Mapped[dict[str, str] | None] = mapped_column(JSON)
    color: Mapped[str] = mapped_column(String(7), default="#2f6f4f")
    icon: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="themes")
    groups: Mapped[list[Group]] = relationship(
        back_populates="theme", order_by="Group.position", cascade="all, delete-orphan"
    )

    def name_in(self, lang: str) -> str:
        """The name a screen in lang shows: the facilitator's, else the workshop's, else the catalog's."""
        own = (self.names or {}).get(lang)
        if own:
            return own
        if lang == self.workshop.language or self.key not in AXIS_NAMES:
            return self.name
        with force_locale(lang):
            return str(AXIS_NAMES[self.key])

    def all_names(self, languages: tuple[str, ...]) -> dict[str, str]:
        """The name in each of languages: screens that share one broadcast each pick their own."""
        return {lang: self.name_in(lang) for lang in languages}


class Group(db.Model):
    """A table of participants working on one theme; large rooms may have several per theme."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    rapporteur_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", use_alter=True, name="fk_groups_rapporteur_id")
    )

    workshop: Mapped[Workshop] = relationship(back_populates="groups")
    # Every screen that shows a group shows its axis: loaded with it, not one query per group.
    theme: Mapped[Theme] = relationship(back_populates="groups", lazy="joined")

    @property
    def display_name(self) -> str:
        return self.name_in(self.workshop.language)

    def _tables(self) -> list[Group]:
        # From the workshop's groups (in position order), which every screen has loaded already: no query per axis.
        return [g for g in self.workshop.groups if g.theme is self.theme]

    @property
    def table_number(self) -> int:
        """1, 2, ... within the axis, in position order."""
        return self._tables().index(self) + 1

    @property
    def is_table(self) -> bool:
        """One of several groups of its axis: then it is named after its number too."""
        return len(self._tables()) > 1

    def table_name_in(self, lang: str) -> str:
        with force_locale(lang):
            return str(TABLE_NAME % {"number": self.table_number})

    def name_in(self, lang: str) -> str:
        if self.name:
            return self.name
        if not self.is_table:
            return self.theme.name_in(lang)
        return f"{self.theme.name_in(lang)} · {self.table_name_in(lang)}"

    def all_names(self, languages: tuple[str, ...]) -> dict[str, str]:
        return {lang: self.name_in(lang) for lang in languages}
