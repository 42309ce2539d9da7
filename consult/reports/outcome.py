"""The outcome of a workshop as plain data: every writer (PDF, DOCX, XLSX, CSV, JSON, Markdown) renders this.

The public version carries no names or nicknames, personal details only as totals, and folds any category or age
band of fewer than FOLD_BELOW people into "other" so that nobody can be picked out; hidden items are counted, not shown.
"""

from __future__ import annotations

from collections import Counter
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
from consult.services.processes import public_url

FORMAT_VERSION = 1
FOLD_BELOW = 3
REPORT_LANGUAGES = (*LANGUAGES, "ar+fr")
NOT_GIVEN = "not_given"


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


def _fold(counter: Counter, keys: set[str]) -> Counter:
    """Move every key of fewer than FOLD_BELOW people into "other"."""
    folded: Counter = Counter()
    for key, n in counter.items():
        folded["other" if key in keys and n < FOLD_BELOW else key] += n
    return folded


def _gender_row() -> dict[str, int]:
    return {"female": 0, "male": 0, NOT_GIVEN: 0, "total": 0}


def attendance_counts(workshop: Workshop, items: list[Item], *, counted: frozenset[int] = frozenset()) -> dict:
    """Who took part, unfolded, from the participant rows; scribed items already in counted are left out."""
    people = list(db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)))
    table: dict[str, dict[str, int]] = {}
    for p in people:
        row = table.setdefault(p.category or NOT_GIVEN, _gender_row())
        row[p.gender or NOT_GIVEN] += 1
        row["total"] += 1
    groups = {g.id: g.display_name for g in workshop.groups}
    scribed = [i for i in items if i.by_scribe and i.id not in counted]
    scribe_table: dict[str, dict[str, int]] = {}
    for item in scribed:
        row = scribe_table.setdefault(item.speaker_category or NOT_GIVEN, _gender_row())
        row[item.speaker_gender or NOT_GIVEN] += 1
        row["total"] += 1
    return {
        "participants": len(people),
        "by_category_gender": table,
        "by_age": dict(Counter(p.age_band or NOT_GIVEN for p in people)),
        "by_group": dict(Counter(groups.get(p.group_id, NOT_GIVEN) for p in people)),
        "scribe_items": len(scribed),
        "scribe_by_category_gender": scribe_table,
        "scribe_item_ids": [i.id for i in scribed],
    }


def add_attendance(kept: dict, more: dict) -> dict:
    """The sum of two attendance counts (what a purge kept, and who came after it)."""
    total = {"participants": kept["participants"] + more["participants"]}
    for key in ("by_category_gender", "scribe_by_category_gender"):
        table = {k: dict(row) for k, row in kept[key].items()}
        for k, row in more[key].items():
            mine = table.setdefault(k, _gender_row())
            for cell, n in row.items():
                mine[cell] += n
        total[key] = table
    for key in ("by_age", "by_group"):
        total[key] = dict(Counter(kept[key]) + Counter(more[key]))
    total["scribe_items"] = kept["scribe_items"] + more["scribe_items"]
    total["scribe_item_ids"] = [*kept["scribe_item_ids"], *more["scribe_item_ids"]]
    return total


def _attendance(workshop: Workshop, items: list[Item], public: bool) -> dict[str, Any]:
    kept = workshop.attendance
    counts = attendance_counts(workshop, items, counted=frozenset(kept["scribe_item_ids"]) if kept else frozenset())
    if kept:
        # The participants were purged (services/privacy.py): their figures were kept on the workshop.
        counts = add_attendance(kept, counts)
    table = counts["by_category_gender"]
    by_age = Counter(counts["by_age"])
    folded_any = False
    if public:
        small = {k for k, row in table.items() if row["total"] < FOLD_BELOW and k != NOT_GIVEN}
        folded: dict[str, dict[str, int]] = {}
        for k, row in table.items():
            mine = folded.setdefault("other" if k in small else k, _gender_row())
            for cell, n in row.items():
                mine[cell] += n
        table = folded
        folded_any = bool(small) or any(n < FOLD_BELOW for k, n in by_age.items() if k != NOT_GIVEN)
        by_age = _fold(by_age, {k for k in by_age if k != NOT_GIVEN})
    return {
        "participants": counts["participants"],
        "by_category_gender": dict(sorted(table.items())),
        "by_age": dict(sorted(by_age.items())),
        "by_group": counts["by_group"],
        "scribe_items": counts["scribe_items"],
        "scribe_by_category_gender": dict(sorted(counts["scribe_by_category_gender"].items())),
        "folded": folded_any,
    }


def scribed_ids(workshop: Workshop) -> frozenset[int]:
    """Items entered by a scribe, as counted when the purge removed the scribe's link (empty before)."""
    return frozenset((workshop.attendance or {}).get("scribe_item_ids", ()))


def item_decision(status: str, numbers: list[int], decision: str | None) -> str | None:
    """The reasoned response a contribution got: merged, then retained in a recommendation, then the facilitator's."""
    if status == "merged":
        return "merged"
    if numbers:
        return "retained"
    return decision


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
    if process is None or process.published_at is None:
        return None
    return public_url(process, request.host_url if has_request_context() else None)


def report_items(workshop: Workshop) -> list[Item]:
    """The items a report shows or counts."""
    return list(
        db.session.scalars(
            select(Item).where(Item.workshop_id == workshop.id, Item.status != "pending").order_by(Item.id)
        )
    )


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
        "attendance": _attendance(workshop, items, public),
        "axes": axes,
        "recommendations": [{**r, "axis": theme_names.get(r["theme_id"])} for r in recommendations],
        "signatures": {"facilitator": facilitator.name if facilitator else None, "rapporteurs": rapporteurs},
    }
