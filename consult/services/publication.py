"""What the public sees of a consultation process: one read model for its pages, its open data and its feed.

Only a published process (Process.published_at) and only its published workshops; of those, only what the public
report shows: visible and merged items, never a name, never a pending, hidden or rejected item (not even its text),
attendance folded as in the public report. Everything is read in a fixed number of queries whatever the number of
recommendations and contributions (the bench has 500 and 5,000).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from consult.extensions import db
from consult.i18n import LANGUAGES
from consult.models import (
    Adoption,
    Commune,
    Document,
    FollowUpUpdate,
    Group,
    Item,
    Process,
    Recommendation,
    Step,
    Theme,
    Workshop,
)
from consult.models.recommendation import recommendation_items
from consult.payloads import iso
from consult.services import consultation
from consult.services.consultation import consultation_status, consultation_step, local_day
from consult.services.errors import not_found
from consult.services.events import PUBLIC_STATUSES
from consult.services.numbering import number_recommendations, published_workshops
from consult.services.outcome import attendance, item_decision
from consult.services.processes import find_process, follow_state, public_url

# Where a recommendation can stand, in the order the progress summary shows them.
PUBLIC_STATES = ("proposed", "planned", "in_progress", "done", "abandoned", "not_adopted")
REPORT_FORMATS = ("pdf", "csv", "json")


def site_url() -> str:
    """The address readers use: PUBLIC_URL behind a proxy, else the one this request came to."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "").rstrip("/")


def process_path(process: Process) -> str:
    return public_url(process, "")


def process_url(process: Process) -> str:
    """The public page's absolute address (what a QR code or a shared link points at)."""
    return public_url(process, site_url())


def require_published(process: Process) -> Process:
    """What the public asks of a process that is not online does not exist."""
    if not process.is_published:
        raise not_found()
    return process


def published_process(commune_slug: str, slug: str) -> Process:
    """A process by its public address, only once its page is online; otherwise it does not exist."""
    return require_published(find_process(commune_slug, slug))


def published_processes(commune_slug: str) -> tuple[Commune, list[Process]]:
    commune = db.session.scalar(select(Commune).where(Commune.slug == commune_slug))
    if commune is None:
        raise not_found()
    processes = db.session.scalars(
        select(Process)
        .where(Process.commune_id == commune.id, Process.published_at.is_not(None))
        .order_by(Process.published_at.desc(), Process.id.desc())
    ).all()
    return commune, list(processes)


def public_version(process: Process) -> str:
    """What changes whenever anything the public page shows changes, read in a few small statements: the pages are
    built again only then (an axis renamed after publishing waits for the next change or the cache's expiry)."""
    shown = db.session.execute(
        select(Workshop.id, Workshop.published_at).where(
            Workshop.process_id == process.id, Workshop.published_at.is_not(None)
        )
    ).all()
    ids = [row.id for row in shown]
    in_recs = Recommendation.workshop_id.in_(ids)
    figures = [
        db.session.execute(select(func.count(Item.id), func.max(Item.updated_at)).where(Item.workshop_id.in_(ids))),
        db.session.execute(select(func.count(Recommendation.id), func.max(Recommendation.updated_at)).where(in_recs)),
        db.session.execute(
            select(func.count())
            .select_from(recommendation_items)
            .join(Recommendation, Recommendation.id == recommendation_items.c.recommendation_id)
            .where(in_recs)
        ),
        db.session.execute(
            select(func.count(Adoption.id), func.max(Adoption.recorded_at))
            .join(Recommendation, Recommendation.id == Adoption.recommendation_id)
            .where(in_recs)
        ),
        db.session.execute(
            select(func.count(FollowUpUpdate.id), func.max(FollowUpUpdate.id))
            .join(Recommendation, Recommendation.id == FollowUpUpdate.recommendation_id)
            .where(in_recs)
        ),
        db.session.execute(
            select(func.count(Document.id), func.max(Document.id)).where(Document.process_id == process.id)
        ),
        db.session.execute(
            select(Step.kind, Step.title, Step.starts_on, Step.ends_on, Step.status)
            .where(Step.process_id == process.id)
            .order_by(Step.position)
        ),
    ]
    stamp = [process.id, process.slug, process.updated_at, process.published_at, *shown, consultation.version(process)]
    stamp += [tuple(row) for result in figures for row in result]
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:20]


def _day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _recommendations(numbers: dict[int, int]) -> list[SimpleNamespace]:
    """These recommendations in the order of their numbers.

    Read as rows, not ORM objects (a tenth of the time for 500), each with its adoption and its ordered updates, in
    the shape follow_state() reads."""
    ids = list(numbers)
    result = db.session.execute(
        select(
            Recommendation.id,
            Recommendation.workshop_id,
            Recommendation.theme_id,
            Recommendation.title,
            Recommendation.body,
            Recommendation.priority,
            Recommendation.horizon,
            Recommendation.deadline,
            Recommendation.indicator,
            Recommendation.responsible,
        ).where(Recommendation.id.in_(ids))
    )
    fields = list(result.keys())
    rows = result.all()
    adoptions = {
        row.recommendation_id: row
        for row in db.session.execute(
            select(
                Adoption.recommendation_id,
                Adoption.decision,
                Adoption.amended_text,
                Adoption.reason,
                Adoption.session_name,
                Adoption.session_date,
                Adoption.recorded_at,
            ).where(Adoption.recommendation_id.in_(ids))
        )
    }
    updates: dict[int, list] = {}
    for row in db.session.execute(
        select(
            FollowUpUpdate.recommendation_id,
            FollowUpUpdate.status,
            FollowUpUpdate.progress,
            FollowUpUpdate.service,
            FollowUpUpdate.note,
            FollowUpUpdate.link,
            FollowUpUpdate.document_id,
            FollowUpUpdate.created_at,
        )
        .where(FollowUpUpdate.recommendation_id.in_(ids))
        .order_by(FollowUpUpdate.created_at, FollowUpUpdate.id)
    ):
        updates.setdefault(row.recommendation_id, []).append(row)
    recs = [
        SimpleNamespace(
            **dict(zip(fields, row, strict=True)), adoption=adoptions.get(row.id), updates=updates.get(row.id, [])
        )
        for row in rows
    ]
    return sorted(recs, key=lambda r: numbers[r.id])


def _update(update: Any, documents: dict[int, dict]) -> dict[str, Any]:
    return {
        "date": _day(update.created_at),
        "at": iso(update.created_at),
        "status": update.status,
        "progress": update.progress,
        "service": update.service,
        "note": update.note,
        "link": update.link,
        "document": documents.get(update.document_id) if update.document_id else None,
    }


def _document(document: Document, base: str) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "title": document.title,
        "date": document.dated.isoformat(),
        "content_type": document.content_type,
        "size": document.size,
        "url": f"{base}/documents/{document.id}",
    }


def consultation_report(process: Process, base: str, lang: str) -> list[dict[str, Any]]:
    """The consultation's report in the repository once it has opened: dated by its closing, "in progress" till then."""
    step = consultation_step(process)
    status = consultation_status(step)
    if status not in ("open", "closed"):
        return []
    with force_locale(lang):
        title = _("Report of the consultation on the draft")
        title = title if status == "closed" else _("%(title)s (in progress)", title=title)
    return [
        {
            "id": None,
            "kind": "consultation_report",
            "title": title,
            "date": _day(local_day(step.closes_at, last=True)) if status == "closed" else None,
            "status": status,
            "content_type": "application/pdf",
            "size": None,
            "url": f"{base}/consultation/report.pdf?lang={lang}",
        }
    ]


def public_process(process: Process, lang: str = "ar", *, contributions: bool = True) -> dict[str, Any]:
    """The process as the public may see it (documented in docs/OPEN_DATA.md); contributions=False leaves their list
    out (the HTML page links to them), and counts them still."""
    require_published(process)
    lang = lang if lang in LANGUAGES else "ar"
    base = process_url(process)
    workshops = published_workshops(process)
    workshop_ids = [w.id for w in workshops]
    codes = {w.id: w.code for w in workshops}
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.workshop_id.in_(workshop_ids)))}
    axis_names = {tid: t.name_in(lang) for tid, t in themes.items()}
    group_axes = dict(
        db.session.execute(select(Group.id, Group.theme_id).where(Group.workshop_id.in_(workshop_ids))).all()
    )
    documents = {d.id: _document(d, base) for d in process.documents}

    numbers = number_recommendations(workshops)
    recs = _recommendations(numbers)
    rows = db.session.execute(
        select(
            Item.id,
            Item.workshop_id,
            Item.group_id,
            Item.kind,
            Item.parent_id,
            Item.text,
            Item.status,
            Item.merged_into_id,
            Item.decision,
            Item.decision_reason,
            Item.created_at,
        )
        .where(Item.workshop_id.in_(workshop_ids), Item.status.in_(PUBLIC_STATUSES))
        .order_by(Item.workshop_id, Item.id)
    ).all()
    public_ids = {row.id for row in rows}
    links: dict[int, list[int]] = {}
    sources: dict[int, list[int]] = {}
    if numbers:
        for rec_id, item_id in db.session.execute(
            select(recommendation_items.c.recommendation_id, recommendation_items.c.item_id).where(
                recommendation_items.c.recommendation_id.in_(numbers)
            )
        ):
            if item_id in public_ids:  # a hidden item in a recommendation stays unknown
                links.setdefault(item_id, []).append(numbers[rec_id])
                sources.setdefault(rec_id, []).append(item_id)

    items = []
    for row in rows:
        recs_of = sorted(links.get(row.id, ()))
        decision = item_decision(row.status, recs_of, row.decision)
        items.append(
            {
                "id": row.id,
                "text": row.text,
                "kind": row.kind,
                "axis": axis_names.get(group_axes.get(row.group_id)),
                "workshop": codes[row.workshop_id],
                "parent_id": row.parent_id if row.parent_id in public_ids else None,
                "decision": decision,
                "reason": row.decision_reason if decision == "not_retained" else None,
                "merged_into": row.merged_into_id if decision == "merged" else None,
                "recommendation": recs_of[0] if recs_of else None,
                "recommendations": recs_of,
            }
        )

    recommendations = []
    for rec in recs:
        state = follow_state(rec)
        adoption = rec.adoption
        recommendations.append(
            {
                "id": rec.id,
                "number": numbers[rec.id],
                "title": rec.title,
                "body": rec.body,
                "axis": axis_names.get(rec.theme_id),
                "workshop": codes[rec.workshop_id],
                "priority": rec.priority,
                "horizon": rec.horizon,
                "deadline": _day(rec.deadline),
                "indicator": rec.indicator,
                "status": state["status"],
                "progress": state["progress"],
                "service": state["service"],
                "updated_at": iso(state["updated_at"]),
                "decision": {
                    "decision": adoption.decision,
                    "amended_text": adoption.amended_text,
                    "reason": adoption.reason,
                    "session": adoption.session_name,
                    "session_date": _day(adoption.session_date),
                }
                if adoption
                else None,
                "updates": [_update(u, documents) for u in rec.updates],
                "contributions": sorted(sources.get(rec.id, [])),
                "url": f"{base}/recommendations/{rec.id}",
            }
        )

    published_reports = []
    workshop_rows = []
    for w in workshops:
        shown = attendance(w, [], True)
        report = {fmt: f"{base}/workshops/{quote(w.code)}/report.{fmt}" for fmt in REPORT_FORMATS}
        workshop_rows.append(
            {
                "code": w.code,
                "title": w.title,
                "date": _day(w.date),
                "venue": w.venue,
                "published_at": iso(w.published_at),
                "attendance": {key: shown[key] for key in ("participants", "by_category_gender", "by_age", "folded")},
                "contributions": sum(1 for i in items if i["workshop"] == w.code),
                "recommendations": sum(1 for r in recommendations if r["workshop"] == w.code),
                "report": report,
                "url": f"{base}/workshops/{quote(w.code)}",
            }
        )
        published_reports.append(
            {
                "id": None,
                "kind": "workshop_report",
                "title": w.title,
                "date": _day(w.published_at),
                "content_type": "application/pdf",
                "size": None,
                "url": report["pdf"],
                "workshop": w.code,
            }
        )

    with force_locale(lang):
        steps = [
            {
                "kind": s.kind,
                "title": s.display_title,
                "starts_on": _day(s.starts_on),
                "ends_on": _day(s.ends_on),
                "status": s.status,
            }
            for s in process.steps
        ]
        kind_label = process.kind_label
    counts = Counter(r["status"] for r in recommendations)
    adopted = [r for r in recommendations if r["decision"] and r["decision"]["decision"] != "not_adopted"]
    followed = [r["progress"] or 0 for r in adopted if r["status"] != "abandoned"]
    commune = process.commune
    data: dict[str, Any] = {
        "format": "tashawur.process",
        "version": 1,
        "language": lang,
        "process": {
            "title": process.title,
            "kind": process.kind,
            "kind_label": kind_label,
            "description": process.description,
            "commune": {"name_ar": commune.name_ar, "name_fr": commune.name_fr, "slug": commune.slug},
            "published_at": iso(process.published_at),
            "url": base,
        },
        "steps": steps,
        "workshops": workshop_rows,
        "recommendations": recommendations,
        "summary": {
            "recommendations": len(recommendations),
            "adopted": len(adopted),
            "contributions": len(items),
            "by_status": {state: counts.get(state, 0) for state in PUBLIC_STATES},
            "progress": round(sum(followed) / len(followed)) if followed else None,
        },
        "documents": sorted(
            [*documents.values(), *published_reports, *consultation_report(process, base, lang)],
            key=lambda d: (d["date"] or "", d["title"]),
            reverse=True,
        ),
    }
    data["consultation"] = consultation.open_data(process, base)
    if contributions:
        data["contributions"] = items
    return data


def public_recommendation(process: Process, rec_id: int, lang: str = "ar") -> dict[str, Any]:
    """One recommendation of the public page, with the contributions it came from and the process around it."""
    return recommendation_view(public_process(process, lang), rec_id)


def recommendation_view(data: dict[str, Any], rec_id: int) -> dict[str, Any]:
    """public_recommendation over an already built read model."""
    rec = next((r for r in data["recommendations"] if r["id"] == rec_id), None)
    if rec is None:
        raise not_found()
    by_id = {c["id"]: c for c in data["contributions"]}
    return {
        "process": data["process"],
        "recommendation": rec,
        "contributions": [by_id[i] for i in rec["contributions"] if i in by_id],
    }


def feed_entries(process: Process, lang: str = "ar") -> list[dict[str, Any]]:
    """Publications, follow-up updates and uploaded documents, newest first: what the Atom feed carries."""
    return feed_view(public_process(process, lang, contributions=False))


def feed_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    """feed_entries over an already built read model."""
    entries = [
        {
            "id": f"{data['process']['url']}#workshop-{w['code']}",
            "kind": "publication",
            "updated": w["published_at"],
            "title": w["title"],
            "summary": None,
            "url": w["url"],
        }
        for w in data["workshops"]
    ]
    for rec in data["recommendations"]:
        for n, update in enumerate(rec["updates"]):
            entries.append(
                {
                    "id": f"{rec['url']}#update-{n + 1}",
                    "kind": "update",
                    "updated": update["at"],
                    "title": f"{rec['number']}. {rec['title']}",
                    "status": update["status"],
                    "progress": update["progress"],
                    "summary": update["note"],
                    "url": rec["url"],
                }
            )
    for doc in data["documents"]:
        if doc["id"] is not None:
            entries.append(
                {
                    "id": doc["url"],
                    "kind": "document",
                    "updated": f"{doc['date']}T00:00:00Z",
                    "title": doc["title"],
                    "summary": None,
                    "url": doc["url"],
                }
            )
    return sorted(entries, key=lambda e: e["updated"] or "", reverse=True)


def public_document(process: Process, document_id: int) -> Document:
    require_published(process)
    document = db.session.get(Document, document_id)
    if document is None or document.process_id != process.id:
        raise not_found()
    return document


def public_workshop(process: Process, code: str) -> Workshop:
    require_published(process)
    workshop = next((w for w in published_workshops(process) if w.code == code.upper()), None)
    if workshop is None:
        raise not_found()
    return workshop
