from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.participant import Participant
from consult.models.workshop import Group, Workshop

KINDS = ("problem", "solution")
STATUSES = ("pending", "visible", "hidden", "merged", "rejected")
# The item state machine, written once: each action names the states it accepts and the state it leaves the item in
# (None: the state does not change). pending -> visible | rejected; visible -> hidden -> visible; visible -> merged
# -> visible. Only what is visible reaches the public stream.
ACTIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "approve": (frozenset({"pending"}), "visible"),
    "reject": (frozenset({"pending"}), "rejected"),
    "hide": (frozenset({"visible"}), "hidden"),
    "restore": (frozenset({"hidden"}), "visible"),
    "merge": (frozenset({"visible"}), "merged"),
    "merge_into": (frozenset({"visible"}), None),
    "unmerge": (frozenset({"merged"}), "visible"),
    # A hidden item may be corrected (say, to take out a phone number) before it is restored.
    "edit": (frozenset({"visible", "hidden"}), None),
    "pin": (frozenset({"visible"}), None),
    "decide": (frozenset({"visible"}), None),
    "move": (frozenset({"visible"}), None),
}
# Held or rejected items exist only for the facilitators: to anybody else they are as good as unknown.
STAFF_ONLY = frozenset({"pending", "rejected"})


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
    # Indexed: every item payload reads the items merged into it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    # A merge re-points the solutions of a merged problem to the kept one; undoing it needs where they were.
    parent_before_merge_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The reasoned response for an item that was neither merged nor retained in a recommendation.
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # Scribe mode: a rapporteur typing for somebody without a phone, and who that somebody is (for the figures).
    scribe_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    speaker_category: Mapped[str | None] = mapped_column(String(30))
    speaker_gender: Mapped[str | None] = mapped_column(String(20))
    client_id: Mapped[str | None] = mapped_column(String(64))
    # Sequence number of the event that created it.
    seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[Participant | None] = relationship(foreign_keys=[author_participant_id])
    parent: Mapped[Item | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    workshop: Mapped[Workshop] = relationship()
    group: Mapped[Group] = relationship()
    # The items merged into this one (their merged_into_id is this id).
    merged_items: Mapped[list[Item]] = relationship(
        foreign_keys=[merged_into_id], order_by="Item.id", viewonly=True, lazy="selectin"
    )
    revisions: Mapped[list[ItemRevision]] = relationship(
        back_populates="item", order_by="ItemRevision.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def by_scribe(self) -> bool:
        return self.author_user_id is not None or self.scribe_participant_id is not None


class ItemRevision(db.Model):
    """The text of an item before a moderator corrected it."""

    __tablename__ = "item_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    edited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_by_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(back_populates="revisions")


class Vote(db.Model):
    """A dot a participant put on an item. Taking it back marks it withdrawn, so a resent request finds it."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id", name="uq_votes_participant_client"),
        UniqueConstraint("participant_id", "withdraw_client_id", name="uq_votes_participant_withdraw"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the workshop's personal data is purged: the dot still counts, nobody is behind it.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # The item the dot was put on, when a merge carried it to another one (undo brings it back).
    original_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    weight: Mapped[int] = mapped_column(default=1)
    client_id: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]
    withdraw_client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
