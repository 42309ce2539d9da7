from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.item import Item
from consult.models.workshop import Theme

recommendation_items = Table(
    "recommendation_items",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
)

FOLLOW_UP = ("proposed", "adopted", "in_progress", "done", "dropped")


class Recommendation(db.Model):
    """What an axis of the workshop recommends, built from its problems and solutions."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    # Order within the axis; the number shown is the rank over the whole workshop (axis order, then position).
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    principle: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[int | None]
    responsible: Mapped[str | None] = mapped_column(String(200))
    partners: Mapped[str | None] = mapped_column(String(300))
    horizon: Mapped[str | None] = mapped_column(String(120))
    deadline: Mapped[date | None]
    budget: Mapped[str | None] = mapped_column(String(120))
    indicator: Mapped[str | None] = mapped_column(String(300))
    follow_up: Mapped[str] = mapped_column(String(20), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    theme: Mapped[Theme] = relationship()
    items: Mapped[list[Item]] = relationship(
        secondary=recommendation_items, order_by=Item.id, backref=backref("recommendations", lazy="selectin")
    )
