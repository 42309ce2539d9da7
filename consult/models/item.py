from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.participant import Participant

KINDS = ("problem", "solution")
STATUSES = ("visible", "hidden", "merged", "pending")


class Item(db.Model):
    """A problem or a proposed solution posted in a group."""

    __tablename__ = "items"
    __table_args__ = (
        # Resending the same write from the same phone must find the first one.
        UniqueConstraint("author_participant_id", "client_id", name="uq_items_author_client"),
        Index("ix_items_workshop_group", "workshop_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    text: Mapped[str] = mapped_column(Text)
    author_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    # Set when a facilitator types an item for somebody without a phone (scribe mode).
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="visible")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    # Sequence number of the event that created it.
    seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[Participant | None] = relationship(foreign_keys=[author_participant_id])
    parent: Mapped[Item | None] = relationship(remote_side=[id], foreign_keys=[parent_id])


class Vote(db.Model):
    """A dot a participant put on an item."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    weight: Mapped[int] = mapped_column(default=1)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
