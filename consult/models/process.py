"""A consultation process: the steps around the room, the council's adoption and the public follow-up."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from consult.extensions import db
from consult.models.base import utcnow
from consult.models.commune import Commune
from consult.models.recommendation import Recommendation
from consult.models.workshop import Workshop

PROCESS_KINDS = {
    "pac": _l("Communal action programme (PAC)"),
    "open_commune": _l("Open-commune programme"),
    "other": _l("Other consultation"),
}
STEP_KINDS = {
    "diagnosis": _l("Needs diagnosis"),
    "ranking": _l("Ranking priorities"),
    "projects": _l("Choosing the priority projects"),
    "drafting": _l("Drafting and monitoring system"),
    "workshops": _l("Co-creation workshops"),
    "consultation": _l("Consultation on the draft"),
    "adoption": _l("Adoption by the council"),
    "implementation": _l("Implementation"),
    "evaluation": _l("Evaluation"),
    "other": _l("Other step"),
}
# The steps a new process starts with: seed 000's five PAC phases, and the open-commune network's programme.
PRESET_STEPS = {
    "pac": ("diagnosis", "ranking", "projects", "drafting", "adoption"),
    "open_commune": ("workshops", "consultation", "adoption", "implementation", "evaluation"),
    "other": (),
}
STEP_STATUSES = {"planned": _l("Planned"), "current": _l("Current"), "done": _l("Done")}
DECISIONS = {
    "adopted": _l("Adopted"),
    "amended": _l("Adopted as amended"),
    "not_adopted": _l("Not adopted"),
}
FOLLOW_STATUSES = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "abandoned": _l("Abandoned"),
}
DOCUMENT_KINDS = {
    "iecg_opinion": _l("Opinion of the equity body (IECG)"),
    "council_decision": _l("Council decision"),
    "final_programme": _l("Final programme"),
    "follow_up": _l("Follow-up document"),
    "other": _l("Other document"),
}


class Process(db.Model):
    """A commune's consultation, from the first workshop to the last follow-up; public once published."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("commune_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    description: Mapped[str | None] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    commune: Mapped[Commune] = relationship()
    steps: Mapped[list[Step]] = relationship(
        back_populates="process", order_by="Step.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="process", order_by="(Document.dated, Document.id)", cascade="all, delete-orphan"
    )
    workshops: Mapped[list[Workshop]] = relationship(backref="process", order_by=lambda: Workshop.process_order())

    @property
    def is_published(self) -> bool:
        """Is its public page online? The one answer to that question."""
        return self.published_at is not None

    @property
    def kind_label(self) -> str:
        return str(PROCESS_KINDS.get(self.kind, self.kind))


class Step(db.Model):
    """One dated step of a process: planned, current or done."""

    __tablename__ = "process_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    # Empty: the step is named by its kind, in the reader's language.
    title: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default="planned")
    # A consultation on the draft takes comments from opens_at until closes_at (set by the dates or by hand).
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]

    process: Mapped[Process] = relationship(back_populates="steps")

    @property
    def display_title(self) -> str:
        return self.title or str(STEP_KINDS.get(self.kind, self.kind))


class Adoption(db.Model):
    """The council's decision on one recommendation, with the session that took it."""

    __tablename__ = "adoptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), unique=True)
    session_name: Mapped[str] = mapped_column(String(200))
    session_date: Mapped[date]
    decision: Mapped[str] = mapped_column(String(20))
    amended_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    recommendation: Mapped[Recommendation] = relationship(backref=backref("adoption", uselist=False))


class FollowUpUpdate(db.Model):
    """One dated entry of an adopted recommendation's public history: never edited, only added to."""

    __tablename__ = "follow_up_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    # "adoption" entries record the council's decision; the others are follow-up statuses.
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[int | None]
    service: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    document: Mapped[Document | None] = relationship()
    recommendation: Mapped[Recommendation] = relationship(
        backref=backref("updates", order_by="(FollowUpUpdate.created_at, FollowUpUpdate.id)")
    )


class Document(db.Model):
    """A dated file of the process's public repository (the IECG's opinion, the council's decision, ...)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    title: Mapped[str] = mapped_column(String(200))
    dated: Mapped[date]
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    # The stored file's name under the upload folder: its SHA-256, so that a name never comes from the uploader.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship(back_populates="documents")
