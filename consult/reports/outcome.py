"""The outcome of a workshop as plain data: every writer (PDF, DOCX, XLSX, CSV, JSON, Markdown) renders this.

The public version carries no names or nicknames, personal details only as totals, and folds any category or age
band of fewer than FOLD_BELOW people into "other" so that nobody can be picked out; hidden items are counted, not shown.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consult.extensions import db
from consult.i18n import LANGUAGES, format_clock, format_day, text_direction
from consult.labels import AGE_LABELS, CATEGORY_LABELS, GENDER_LABELS
from consult.models import Item, Participant, Theme, User, Workshop
from consult.payloads import iso, recommendations_payload, vote_counts
from consult.services.events import PUBLIC_STATUSES
from consult.services.outcome import attendance, item_decision, report_items, scribed_ids
from consult.services.processes import public_url

FORMAT_VERSION = 1
REPORT_LANGUAGES = (*LANGUAGES, "ar+fr")


def _labels() -> dict[str, str]:
    """The report's own words, in the current locale."""
    return {
        "report": _("Workshop report"),
        "commune": _("Commune"),
        "workshop": _("Workshop"),
        "date": _("Date"),
        "start": _("Start time"),
        "end": _("End time"),
        "venue": _("Venue"),
        "facilitator": _("Facilitator"),
        "axes": _("Axes"),
        "principles": _("Principles"),
        "attendance": _("Attendance"),
        "participants": _("Participants"),
        "category": _("Stakeholder category"),
        "gender": _("Gender"),
        "age": _("Age"),
        "group": _("Group"),
        "total": _("Total"),
        "not_given": _("Not given"),
        "scribe_items": _("Items entered for people without a phone"),
        "axis": _("Axis"),
        "problem": _("Problem"),
        "solution": _("Solution"),
        "solutions": _("Solutions"),
        "votes": _("Votes"),
        "decision": _("Decision"),
        "retained": _("Retained in recommendation %(numbers)s"),
        "merged": _("Merged into item %(id)s"),
        "not_retained": _("Not retained: %(reason)s"),
        "undecided": _("Not decided yet"),
        "hidden_items": _("Items hidden by moderation: %(count)s"),
        "recommendations": _("Recommendations"),
        "no_recommendations": _("No recommendation yet."),
        "number": _("No."),
        "title": _("Title"),
        "text": _("Text"),
        "principle": _("Principle"),
        "priority": _("Priority"),
        "responsible": _("Responsible party"),
        "partners": _("Partners"),
        "horizon": _("Horizon"),
        "deadline": _("Deadline"),
        "budget": _("Budget estimate"),
        "indicator": _("Indicator"),
        "signatures": _("Signatures"),
        "sign_facilitator": _("The facilitator"),
        "sign_rapporteurs": _("The rapporteurs"),
        "sign_commune": _("For the commune"),
        "page": _("Page %(page)s of %(pages)s"),
        "author": _("Author"),
        "item": _("Item"),
        "kind": _("Kind"),
        "public_page": _("Follow this consultation on its public page"),
        "public_version": _("Public version: no names; small groups folded into “other”."),
        "folded": _("Groups of fewer than %(count)s people are counted in “other”, so that nobody can be recognized."),
        "female": str(GENDER_LABELS["female"]),
        "male": str(GENDER_LABELS["male"]),
        **{f"category.{k}": str(v) for k, v in CATEGORY_LABELS.items()},
        **{f"age.{k}": str(v) for k, v in AGE_LABELS.items()},
    }


def report_labels(lang: str) -> dict[str, str]:
    """Labels in Arabic, French, or both ("ar+fr": Arabic first, then French)."""
    if lang not in REPORT_LANGUAGES:
        raise ValueError(lang)
    parts = []
    for one in lang.split("+"):
        with force_locale(one):
            parts.append(_labels())
    if len(parts) == 1:
        return parts[0]
    return {key: f"{parts[0][key]} / {parts[1][key]}" for key in parts[0]}


def _when(workshop: Workshop, lang: str) -> dict[str, str]:
    """The date and the opening and closing times as a reader of lang writes them (both, for "ar+fr")."""
    parts = []
    for one in lang.split("+"):
        with force_locale(one):
            parts.append(
                {
                    "date": format_day(workshop.date),
                    "start": format_clock(workshop.opened_at),
                    "end": format_clock(workshop.closed_at),
                }
            )
    return {key: " / ".join(dict.fromkeys(p[key] for p in parts if p[key])) for key in parts[0]}


def _item(
    item: Item, votes: dict[int, int], numbers: dict[int, int], public: bool, names: dict[int, str], scribed: frozenset
) -> dict:
    in_recs = sorted(numbers[r.id] for r in item.recommendations)
    decision = {"decision": item_decision(item.status, in_recs, item.decision)}
    if decision["decision"] == "merged":
        decision["merged_into"] = item.merged_into_id
    elif decision["decision"] == "retained":
        decision["recommendations"] = in_recs
    elif item.decision:
        decision["reason"] = item.decision_reason
    data = {
        "id": item.id,
        "kind": item.kind,
        "group": item.group.display_name,
        "parent_id": item.parent_id,
        "text": item.text,
        "votes": votes.get(item.id, 0),
        "status": item.status,
        "by_scribe": item.by_scribe or item.id in scribed,
        "created_at": iso(item.created_at),
        **decision,
    }
    if not public:
        data["author"] = names.get(item.author_participant_id) if item.author_participant_id else None
        if item.status in ("hidden", "rejected"):
            data["hidden_reason"] = item.hidden_reason
    return data


def public_link(workshop: Workshop) -> str | None:
    """The public page of the workshop's process, once that page is online (the QR code every report carries)."""
    process = workshop.process
    if process is None or not process.is_published:
        return None
    return public_url(process, request.host_url if has_request_context() else None)


def build_outcome(workshop: Workshop, *, lang: str = "ar", public: bool = True) -> dict[str, Any]:
    """The whole outcome of a workshop, as JSON-ready data (documented in docs/REPORT.md)."""

    def axis_name(theme: Theme) -> str:
        # A report in one language names the axes in it (a built-in axis or one the facilitator named); ar+fr keeps
        # the workshop's own names.
        return theme.name_in(lang) if lang in LANGUAGES else theme.name

    labels = report_labels(lang)
    items = report_items(workshop)
    votes = vote_counts(workshop)
    recommendations = recommendations_payload(workshop)
    numbers = {r["id"]: r["number"] for r in recommendations}
    names = {
        p.id: p.nickname
        for p in db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id))
        if p.nickname
    }
    scribed = scribed_ids(workshop)
    commune = workshop.commune
    facilitator = db.session.get(User, workshop.created_by_id) if workshop.created_by_id else None
    axes = []
    for theme in workshop.themes:
        group_ids = {g.id for g in theme.groups}
        mine = [i for i in items if i.group_id in group_ids]
        shown = [i for i in mine if i.status in PUBLIC_STATUSES or not public]
        rendered = {i.id: _item(i, votes, numbers, public, names, scribed) for i in shown}
        problems = []
        for item in shown:
            if item.kind == "problem":
                entry = {**rendered[item.id], "solutions": []}
                problems.append(entry)
        by_id = {p["id"]: p for p in problems}
        loose = []
        for item in shown:
            if item.kind == "solution":
                parent = by_id.get(item.parent_id)
                (parent["solutions"] if parent else loose).append(rendered[item.id])
        axes.append(
            {
                "id": theme.id,
                "name": axis_name(theme),
                "color": theme.color,
                "groups": [g.name or axis_name(theme) for g in theme.groups],
                "problems": problems,
                "solutions_without_problem": loose,
                "hidden_items": sum(1 for i in mine if i.status in ("hidden", "rejected")),
                "recommendations": [r["number"] for r in recommendations if r["theme_id"] == theme.id],
            }
        )
    theme_names = {t.id: axis_name(t) for t in workshop.themes}
    rapporteurs = [names.get(g.rapporteur_id) or "" for g in workshop.groups if g.rapporteur_id] if not public else []
    return {
        "format": "tashawur.outcome",
        "version": FORMAT_VERSION,
        "language": lang,
        "direction": text_direction(lang),
        "public": public,
        "public_url": public_link(workshop),
        "labels": labels,
        "workshop": {
            "code": workshop.code,
            "title": workshop.title,
            "date": workshop.date.isoformat() if workshop.date else None,
            "start": iso(workshop.opened_at),
            "end": iso(workshop.closed_at),
            "when": _when(workshop, lang),
            "venue": workshop.venue,
            "status": workshop.status,
            "language": workshop.language,
            "facilitator": facilitator.name if facilitator else None,
            "commune": {
                "name_ar": commune.name_ar,
                "name_fr": commune.name_fr,
                "province": commune.province,
                "region": commune.region,
            },
            "axes": [axis_name(t) for t in workshop.themes],
            "principles": list(workshop.principles or []),
        },
        "attendance": attendance(workshop, items, public),
        "axes": axes,
        "recommendations": [{**r, "axis": theme_names.get(r["theme_id"])} for r in recommendations],
        "signatures": {"facilitator": facilitator.name if facilitator else None, "rapporteurs": rapporteurs},
    }
