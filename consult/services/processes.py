"""Consultation processes: their steps, the workshops they hold, publishing, the council's adoption and follow-up.

Commune admins and facilitators change a process of their own commune; staff read it. What the public sees is
built in services/publication.py from what these functions store.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.extensions import db
from consult.models import (
    Adoption,
    Commune,
    Document,
    FollowUpUpdate,
    Process,
    Recommendation,
    Step,
    User,
    Workshop,
)
from consult.models.base import utcnow
from consult.models.process import (
    DECISIONS,
    DOCUMENT_KINDS,
    FOLLOW_STATUSES,
    PRESET_STEPS,
    PROCESS_KINDS,
    STEP_KINDS,
    STEP_STATUSES,
)
from consult.services.errors import forbidden, invalid, not_found
from consult.services.events import lock_workshop
from consult.services.text import choice, clean_text

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60
MAX_STEPS = 20
NOTE_MAX = 4000
# What an uploaded document may be, told by its first bytes (never by its name or the browser's word).
DOCUMENT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def check_editor(commune_id: int, user: User) -> None:
    """Commune admins and facilitators change their own commune's processes."""
    if not user.can_facilitate or user.commune_id != commune_id:
        raise forbidden()


def check_process_reader(process: Process, user: User) -> None:
    """Any account of the commune (staff included) reads its processes."""
    if user.commune_id != process.commune_id:
        raise forbidden()


def slugify(text: str) -> str:
    """Latin letters and digits joined by dashes: what survives in a link shared on WhatsApp."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text))[:SLUG_MAX].strip("-")


def _clean_slug(value: object) -> str:
    slug = clean_text(value, field="slug", max_length=SLUG_MAX, multiline=False)
    slug = slug.lower() if slug else slug
    if not slug or not SLUG.fullmatch(slug):
        raise invalid(_l("Use only Latin letters, digits and dashes."), "slug")
    return slug


def commune_slug(commune: Commune) -> str:
    """The commune's public address, given once from its French name (or its id)."""
    if not commune.slug:
        base = slugify(commune.name_fr or "") or f"commune-{commune.id}"
        slug, n = base, 2
        while db.session.scalar(select(Commune.id).where(Commune.slug == slug, Commune.id != commune.id)):
            slug, n = f"{base}-{n}", n + 1
        commune.slug = slug
    return commune.slug


def _free_slug(commune_id: int, base: str, process_id: int | None = None) -> str:
    slug, n = base, 2
    while db.session.scalar(
        select(Process.id).where(Process.commune_id == commune_id, Process.slug == slug, Process.id != process_id)
    ):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _date(value: object, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid(_l("This date is not valid."), field)


def create_process(user: User, *, title: object, kind: object, description: object = None) -> Process:
    """A process of the user's commune, with the steps its kind starts with (seed 000's PAC, the network's programme)."""
    check_editor(user.commune_id, user)
    title = clean_text(title, field="title", max_length=200, multiline=False)
    kind = choice(kind, tuple(PROCESS_KINDS), field="kind") or "other"
    description = clean_text(description, field="description", max_length=NOTE_MAX, required=False)
    commune_slug(user.commune)
    base = slugify(title) or f"{kind.replace('_', '-')}-{utcnow().year}"
    process = Process(
        commune_id=user.commune_id,
        title=title,
        kind=kind,
        description=description,
        slug=_free_slug(user.commune_id, base),
    )
    process.steps = [
        Step(position=i, kind=k, status="current" if i == 0 else "planned") for i, k in enumerate(PRESET_STEPS[kind])
    ]
    db.session.add(process)
    db.session.flush()
    return process


def update_process(
    process: Process,
    user: User,
    *,
    title: object,
    kind: object,
    description: object = None,
    slug: object = None,
    published: bool | None = None,
) -> None:
    """What the process is, its public address, and whether its public page is online."""
    check_editor(process.commune_id, user)
    process.title = clean_text(title, field="title", max_length=200, multiline=False)
    process.kind = choice(kind, tuple(PROCESS_KINDS), field="kind") or "other"
    process.description = clean_text(description, field="description", max_length=NOTE_MAX, required=False)
    if slug not in (None, ""):
        wanted = _clean_slug(slug)
        if _free_slug(process.commune_id, wanted, process.id) != wanted:
            raise invalid(_l("Another process of the commune already has this address."), "slug")
        process.slug = wanted
    if published is not None:
        process.published_at = (process.published_at or utcnow()) if published else None


def set_steps(process: Process, user: User, rows: list[dict]) -> None:
    """Replace the steps, in order: each row has kind, title, starts_on, ends_on and status."""
    check_editor(process.commune_id, user)
    if not isinstance(rows, list) or len(rows) > MAX_STEPS:
        raise invalid(_l("A process has at most %(max)d steps.", max=MAX_STEPS), "steps")
    steps = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise invalid(_l("This choice is not valid."), "steps")
        starts_on = _date(row.get("starts_on"), "starts_on")
        ends_on = _date(row.get("ends_on"), "ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            raise invalid(_l("A step cannot end before it starts."), "ends_on")
        steps.append(
            dict(
                position=i,
                kind=choice(row.get("kind"), tuple(STEP_KINDS), field="kind") or "other",
                title=clean_text(row.get("title"), field="title", max_length=200, required=False, multiline=False),
                starts_on=starts_on,
                ends_on=ends_on,
                status=choice(row.get("status"), tuple(STEP_STATUSES), field="status") or "planned",
            )
        )
    kept = list(process.steps)
    for step, values in zip(kept, steps, strict=False):
        for name, value in values.items():
            setattr(step, name, value)
    for step in kept[len(steps) :]:
        process.steps.remove(step)
    for values in steps[len(kept) :]:
        process.steps.append(Step(**values))


def attach_workshop(process: Process, workshop: Workshop, user: User) -> None:
    """A workshop of the same commune becomes a step's workshop (it may move from another process)."""
    check_editor(process.commune_id, user)
    if workshop.commune_id != process.commune_id:
        raise forbidden()
    lock_workshop(workshop)
    if workshop.process_id != process.id:
        workshop.process_id = process.id


def detach_workshop(workshop: Workshop, user: User) -> None:
    """Take a workshop out of its process; a published outcome leaves the public page with it."""
    check_editor(workshop.commune_id, user)
    lock_workshop(workshop)
    workshop.process_id = None
    workshop.published_at = None


def publish_workshop(workshop: Workshop, user: User) -> None:
    """Put a closed workshop's public outcome on its process's public page."""
    check_editor(workshop.commune_id, user)
    lock_workshop(workshop)
    if workshop.status != "closed":
        raise invalid(_l("Only a closed workshop can be published."))
    if workshop.process_id is None:
        raise invalid(_l("Attach the workshop to a consultation process first."), "process")
    if workshop.published_at is None:
        workshop.published_at = utcnow()


def withdraw_workshop(workshop: Workshop, user: User) -> None:
    """Take a workshop's outcome off the public page (its recommendations' adoption and history are kept)."""
    check_editor(workshop.commune_id, user)
    lock_workshop(workshop)
    workshop.published_at = None


def _adoptable(recommendation: Recommendation, user: User) -> Workshop:
    workshop = db.session.get(Workshop, recommendation.workshop_id)
    check_editor(workshop.commune_id, user)
    # Two decisions at once on one recommendation: the second waits, then sees the first's row (one adoption each).
    workshop = lock_workshop(workshop)
    db.session.expire(recommendation, ["adoption"])
    if workshop.process_id is None or workshop.published_at is None:
        raise invalid(_l("Publish the workshop's outcome before recording what became of it."))
    return workshop


def record_adoption(
    recommendation: Recommendation,
    user: User,
    *,
    session_name: object,
    session_date: object,
    decision: object,
    amended_text: object = None,
    reason: object = None,
) -> Adoption:
    """The council's decision on a recommendation; a later decision replaces it and both stay in the history."""
    _adoptable(recommendation, user)
    session_name = clean_text(session_name, field="session_name", max_length=200, multiline=False)
    when = _date(session_date, "session_date")
    if when is None:
        raise invalid(_l("This field is required."), "session_date")
    decision = choice(decision, tuple(DECISIONS), field="decision")
    if decision is None:
        raise invalid(_l("This field is required."), "decision")
    amended_text = clean_text(amended_text, field="amended_text", max_length=NOTE_MAX, required=decision == "amended")
    reason = clean_text(reason, field="reason", max_length=NOTE_MAX, required=decision == "not_adopted")
    adoption = recommendation.adoption or Adoption(recommendation_id=recommendation.id)
    adoption.session_name = session_name
    adoption.session_date = when
    adoption.decision = decision
    adoption.amended_text = amended_text if decision == "amended" else None
    adoption.reason = reason
    adoption.recorded_by_id = user.id
    db.session.add(adoption)
    recommendation.adoption = adoption
    note = (amended_text if decision == "amended" else reason) or ""
    db.session.add(
        FollowUpUpdate(
            recommendation_id=recommendation.id,
            status=decision,
            # The date isolated left to right (LRI ... PDI): in an Arabic line, 2024-05-06 would read 06-05-2024.
            note=f"{session_name} (\u2066{when.isoformat()}\u2069)" + (f"\n{note}" if note else ""),
            author_id=user.id,
        )
    )
    db.session.flush()
    return adoption


def _clean_link(value: object) -> str | None:
    link = clean_text(value, field="link", max_length=500, required=False, multiline=False)
    if link is None:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(_l("A link starts with https:// or http://."), "link")
    return link


def _clean_progress(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        progress = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise invalid(_l("Progress is a whole number from 0 to 100."), "progress") from None
    if not 0 <= progress <= 100 or isinstance(value, bool):
        raise invalid(_l("Progress is a whole number from 0 to 100."), "progress")
    return progress


def post_follow_up(
    recommendation: Recommendation,
    user: User,
    *,
    status: object,
    progress: object = None,
    service: object = None,
    note: object = None,
    link: object = None,
    document: Document | None = None,
) -> FollowUpUpdate:
    """A dated entry of an adopted recommendation's history: its status, progress and responsible service."""
    _adoptable(recommendation, user)
    if recommendation.adoption is None or recommendation.adoption.decision == "not_adopted":
        raise invalid(_l("Only an adopted recommendation is followed up."))
    status = choice(status, tuple(FOLLOW_STATUSES), field="status")
    if status is None:
        raise invalid(_l("This field is required."), "status")
    progress = _clean_progress(progress)
    if status == "done" and progress is None:
        progress = 100
    update = FollowUpUpdate(
        recommendation_id=recommendation.id,
        status=status,
        progress=progress,
        service=clean_text(service, field="service", max_length=200, required=False, multiline=False),
        note=clean_text(note, field="note", max_length=NOTE_MAX, required=False) or "",
        link=_clean_link(link),
        document_id=document.id if document else None,
        author_id=user.id,
    )
    db.session.add(update)
    db.session.flush()
    return update


def follow_state(recommendation: Recommendation) -> dict[str, object]:
    """Where a recommendation stands now: the council's decision, then the last follow-up entry's values."""
    updates = [u for u in recommendation.updates if u.status in FOLLOW_STATUSES]
    adoption = recommendation.adoption
    state: dict[str, object] = {
        "decision": adoption.decision if adoption else None,
        "status": "proposed"
        if adoption is None
        else ("not_adopted" if adoption.decision == "not_adopted" else "planned"),
        "progress": None,
        "service": recommendation.responsible,
        "updated_at": adoption.recorded_at if adoption else None,
    }
    for update in updates:
        state["status"] = update.status
        state["progress"] = update.progress if update.progress is not None else state["progress"]
        state["service"] = update.service or state["service"]
        state["updated_at"] = update.created_at
    return state


def upload_folder() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")


def store_document(
    process: Process,
    user: User,
    *,
    title: object,
    kind: object,
    dated: object,
    filename: object,
    data: bytes,
) -> Document:
    """A file of the public repository: a PDF or an image, checked by its bytes and size, stored under its hash."""
    check_editor(process.commune_id, user)
    title = clean_text(title, field="title", max_length=200, multiline=False)
    kind = choice(kind, tuple(DOCUMENT_KINDS), field="kind") or "other"
    when = _date(dated, "dated") or utcnow().date()
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    if not data:
        raise invalid(_l("Choose a file."), "file")
    if len(data) > limit:
        raise invalid(_l("This file is too large (at most %(max)d MB).", max=limit // (1024 * 1024)), "file")
    found = next(((ctype, ext) for magic, ctype, ext in DOCUMENT_TYPES if data.startswith(magic)), None)
    if found is None:
        raise invalid(_l("Only PDF, PNG and JPEG files are accepted."), "file")
    content_type, ext = found
    name = clean_text(filename, field="file", max_length=150, required=False, multiline=False) or title
    stem = slugify(Path(name).stem) or "document"
    digest = hashlib.sha256(data).hexdigest()
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        partial = folder / f"{digest}.part"
        partial.write_bytes(data)
        partial.replace(path)
    document = Document(
        process_id=process.id,
        kind=kind,
        title=title,
        dated=when,
        filename=f"{stem}.{ext}",
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by_id=user.id,
    )
    db.session.add(document)
    db.session.flush()
    return document


def delete_document(document: Document, user: User) -> None:
    """Take a file out of the repository (the stored bytes stay while another document shares them)."""
    check_editor(document.process.commune_id, user)
    digest = document.sha256
    db.session.delete(document)
    db.session.flush()
    if not db.session.scalar(select(Document.id).where(Document.sha256 == digest)):
        (upload_folder() / digest).unlink(missing_ok=True)


def document_path(document: Document) -> Path:
    return upload_folder() / document.sha256


def public_url(process: Process, base: str | None = None) -> str:
    """The process's public page: under PUBLIC_URL when set, else under base (a request's host), else the path;
    base="" asks for the path alone. The one place public addresses are made."""
    path = f"/p/{commune_slug(process.commune)}/{process.slug}"
    if base == "":
        return path  # asked for the path alone
    base = current_app.config.get("PUBLIC_URL") or base
    return base.rstrip("/") + path if base else path


def find_process(commune_slug_: str, slug: str) -> Process:
    """A process by its public address."""
    process = db.session.scalar(
        select(Process)
        .join(Commune, Commune.id == Process.commune_id)
        .where(Commune.slug == commune_slug_, Process.slug == slug)
    )
    if process is None:
        raise not_found()
    return process


def processes_of(user: User) -> list[Process]:
    return list(
        db.session.scalars(
            select(Process).where(Process.commune_id == user.commune_id).order_by(Process.created_at.desc())
        )
    )
