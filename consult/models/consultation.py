"""The consultation on the draft: citizens' supports, comments and proposals, and the commune's public answers."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.process import Process, Step
from consult.models.recommendation import Recommendation

COMMENT_KINDS = {"comment": _l("Comment"), "proposal": _l("New proposal")}
# The same machine as the room's items (consult/models/item.py), less hiding: pending → visible | rejected; a
# visible comment may be merged into another (a duplicate) and unmerged.
COMMENT_STATUSES = ("pending", "visible", "rejected", "merged")
PUBLIC_COMMENT_STATUSES = ("visible", "merged")
RESPONSES = {
    "taken": _l("Taken into account"),
    "covered": _l("Already covered by a recommendation"),
    "not_taken": _l("Not taken into account"),
}
SOURCES = {"online": _l("Online"), "paper": _l("On paper"), "office": _l("At the commune's office")}


class Comment(db.Model):
    """A citizen's comment on a draft recommendation, or a new proposal under an axis."""

    __tablename__ = "consultation_comments"
    __table_args__ = (UniqueConstraint("step_id", "browser", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("process_steps.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    # A proposal's axis, by name in the draft's language (axes are per workshop; a process may hold several).
    axis: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="comment")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_comments.id"), index=True)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    response: Mapped[str | None] = mapped_column(String(10))
    response_text: Mapped[str | None] = mapped_column(Text)
    covered_by_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who wrote it, as far as they chose to say (law 09-08: minimal, consented to, purgeable).
    category: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10))
    consent_version: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Keyed hashes of the browser's cookie and of the address: enough to limit and to count, never to name.
    browser: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship()
    step: Mapped[Step] = relationship()
    recommendation: Mapped[Recommendation | None] = relationship(foreign_keys=[recommendation_id])
    covered_by: Mapped[Recommendation | None] = relationship(foreign_keys=[covered_by_id])


class Support(db.Model):
    """One browser's support for one draft recommendation: given once, taken back by deleting it."""

    __tablename__ = "consultation_supports"
    __table_args__ = (UniqueConstraint("step_id", "recommendation_id", "browser"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("process_steps.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    browser: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
