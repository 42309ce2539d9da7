from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.models.base import utcnow


class WorkshopEvent(db.Model):
    """One visible change of a workshop: the broadcast log, the catch-up source and the audit trail."""

    __tablename__ = "workshop_events"
    __table_args__ = (UniqueConstraint("workshop_id", "stream", "seq", name="uq_events_workshop_stream_seq"),)

    # "public": every screen of the workshop; "staff": facilitators only (items waiting for pre-moderation).
    STREAMS = ("public", "staff")

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"))
    stream: Mapped[str] = mapped_column(String(10), default="public", server_default="public")
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_message(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "data": self.payload}
