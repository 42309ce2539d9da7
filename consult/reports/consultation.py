"""The report of a consultation on the draft, as plain data, and its six files (PDF, DOCX, XLSX, CSV, JSON, Markdown).

Public by construction: no name, no hash of a browser or an address, only published comments (visible or merged) with
their answers; comments waiting for moderation or rejected are counted, never shown. The writers reuse the workshop
report's blocks (fonts, shaping, bidi, inert cells): consult/reports/consultation_files.py for PDF, DOCX and XLSX.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from consult.i18n import LANGUAGES, format_day, text_direction
from consult.models import Comment, Process
from consult.models.consultation import COMMENT_KINDS, RESPONSES, SOURCES
from consult.payloads import iso
from consult.reports.inert import csv_value, markdown_text, without_bidi_controls
from consult.reports.outcome import report_labels
from consult.reports.text import _table
from consult.services.consultation import (
    comments_of,
    consultation_status,
    consultation_step,
    current_text,
    is_public,
    local_day,
    numbered_draft,
    results,
    unanswered,
)
from consult.services.errors import not_found
from consult.services.outcome import FOLD_BELOW
from consult.services.publication import process_url

FORMAT = "tashawur.consultation"
FORMATS = ("pdf", "docx", "xlsx", "csv", "json", "md")
PARTICIPATION = ("by_gender", "by_category", "by_age", "by_source")


def _words() -> dict[str, str]:
    """The consultation report's own words, in the current locale."""
    return {
        "report": _("Report of the consultation on the draft"),
        "public_version": _(
            "Public version: no names; only published comments are shown, those waiting for moderation or "
            "rejected are only counted."
        ),
        "opens": _("Opened on"),
        "closes": _("Closes on"),
        "closed_on": _("Closed on"),
        "status": _("Status"),
        "status.unscheduled": _("Not scheduled"),
        "status.upcoming": _("Not open yet"),
        "status.open": _("Open, in progress"),
        "status.closed": _("Closed"),
        "results": _("Results"),
        "recommendation": _("Recommendation"),
        "supports": _("Supports"),
        "supports_without_heavy": _("Supports without heavy addresses"),
        "comments": _("Comments"),
        "comment": str(COMMENT_KINDS["comment"]),
        "proposal": str(COMMENT_KINDS["proposal"]),
        "proposals": _("New proposals"),
        "no_comments": _("No published comment."),
        "answer": _("Answer"),
        "no_answer": _("No answer yet"),
        "answer_text": _("What the commune answers"),
        "covered_by": _("Already covered by recommendation %(number)s"),
        "merged_into": _("Merged into comment %(id)s"),
        "revised": _("Text revised in answer to comments."),
        "unanswered_none": _("None unanswered: every comment has its answer."),
        "unanswered": _("Comments still without an answer: %(count)s"),
        "waiting": _("Comments waiting for moderation (not shown): %(count)s"),
        "rejected": _("Comments rejected by moderation (not shown): %(count)s"),
        "heavy": _(
            "Supports are given twice: all of them, and without those that one network address gave a "
            "recommendation beyond %(count)s, because a family or a shared Wi-Fi gives a few and a cybercafé or a "
            "script many; this is a consultation, not a vote."
        ),
        "heavy_addresses": _("Addresses beyond that threshold: %(count)s"),
        "participation": _("Who commented"),
        "source": _("Received"),
        **{f"response.{k}": str(v) for k, v in RESPONSES.items()},
        **{f"source.{k}": str(v) for k, v in SOURCES.items()},
    }


def consultation_labels(lang: str) -> dict[str, str]:
    """The workshop report's words (categories, genders, ages, table heads) and this report's, in lang."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    with force_locale(lang):
        return {**report_labels(lang), **_words()}


def plain(text: str | None) -> str | None:
    """What a person typed, without the bidi controls an older row may hold: each paragraph isolates itself."""
    return without_bidi_controls(text) if text else text


def answer_kind(comment: dict[str, Any], labels: dict[str, str]) -> str:
    """The kind of public answer in the report's words (merged, covered by N, taken, not taken, none yet)."""
    if comment["status"] == "merged":
        return labels["merged_into"] % {"id": comment["merged_into"]}
    response = comment["response"]
    if response is None:
        return labels["no_answer"]
    if response == "covered" and comment["covered_by"]:
        return labels["covered_by"] % {"number": comment["covered_by"]}
    return labels[f"response.{response}"]


def answer_text(comment: dict[str, Any], labels: dict[str, str]) -> str:
    """The public answer on one line: its kind, then what the commune wrote."""
    kind = answer_kind(comment, labels)
    return f"{kind}: {comment['response_text']}" if comment["response_text"] else kind


def build_consultation(process: Process, lang: str = "ar") -> dict[str, Any]:
    """The consultation on the draft as JSON-ready public data (the six files render this)."""
    step = consultation_step(process)
    if step is None:
        raise not_found()
    labels = consultation_labels(lang)
    status = consultation_status(step)
    recs, numbers = numbered_draft(process)
    figures = results(step, recs=recs)
    every = comments_of(step)
    axis_names = {t.name: t.name_in(lang) for w in process.workshops for t in w.themes}

    def public(c: Comment) -> dict[str, Any]:
        return {
            "id": c.id,
            "kind": c.kind,
            "recommendation": numbers.get(c.recommendation_id),
            "axis": axis_names.get(c.axis, c.axis),
            "text": plain(c.text),
            "created_at": iso(c.created_at),
            "status": c.status,
            "source": c.source,
            "merged_into": c.merged_into_id if c.status == "merged" else None,
            "response": c.response,
            "response_text": plain(c.response_text),
            "covered_by": numbers.get(c.covered_by_id) if c.response == "covered" else None,
        }

    shown = [public(c) for c in every if is_public(c.status, c.recommendation_id, numbers)]
    by_rec = {row["id"]: row for row in figures["recommendations"]}
    recommendations = []
    for rec in recs:
        text = current_text(rec)
        recommendations.append(
            {
                "number": numbers[rec.id],
                "id": rec.id,
                "axis": rec.theme.name_in(lang),
                "title": plain(rec.title),
                "text": plain(text),
                "revised": text != (rec.body or rec.title),
                "supports": by_rec[rec.id]["supports"],
                "supports_without_heavy": by_rec[rec.id]["supports_without_heavy"],
                "comments": [c for c in shown if c["recommendation"] == numbers[rec.id]],
            }
        )
    proposals: dict[str, list[dict[str, Any]]] = {}
    for name in axis_names.values():
        proposals.setdefault(name, [])
    for c in shown:
        if c["kind"] == "proposal":
            proposals.setdefault(c["axis"] or "", []).append(c)
    with force_locale(lang):
        days = {
            "opens": format_day(local_day(step.opens_at)),
            "closes": format_day(local_day(step.closes_at, last=True)),
        }
    commune = process.commune
    return {
        "format": FORMAT,
        "version": 1,
        "language": lang,
        "direction": text_direction(lang),
        "public": True,
        "labels": labels,
        "process": {
            "title": plain(process.title),
            "kind": process.kind,
            "description": plain(process.description),
            "url": process_url(process) if process.is_published else None,
            "commune": {
                "name_ar": commune.name_ar,
                "name_fr": commune.name_fr,
                "province": commune.province,
                "region": commune.region,
            },
        },
        "consultation": {
            "status": status,
            "opens_at": iso(step.opens_at),
            "closes_at": iso(step.closes_at),
            "when": days,
        },
        "recommendations": recommendations,
        "proposals": [{"axis": name, "comments": found} for name, found in proposals.items() if found],
        "counts": {
            "supports": sum(r["supports"] for r in recommendations),
            "supports_without_heavy": sum(r["supports_without_heavy"] for r in recommendations),
            "comments": figures["comments"],
            "proposals": figures["proposals"],
            "waiting": figures["waiting"],
            "rejected": sum(1 for c in every if c.status == "rejected"),
            # Waiting for moderation or published without an answer: what closing the consultation requires to be 0.
            "unanswered": unanswered(step),
        },
        "heavy": {"threshold": figures["heavy_threshold"], "addresses": figures["heavy_addresses"]},
        "participation": {key: figures[key] for key in PARTICIPATION},
        "fold_below": FOLD_BELOW,
    }


# Shared by every writer: the same rows, sentences and names.


def commune_name(report: dict[str, Any]) -> str:
    commune = report["process"]["commune"]
    return (commune["name_ar"] if report["direction"] == "rtl" else commune["name_fr"]) or commune["name_ar"]


def status_line(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the consultation's dates and status, in the report's words."""
    labels, consultation = report["labels"], report["consultation"]
    closed = consultation["status"] == "closed"
    pairs = [
        (labels["opens"], consultation["when"]["opens"]),
        (labels["closed_on" if closed else "closes"], consultation["when"]["closes"]),
        (labels["status"], labels[f"status.{consultation['status']}"]),
    ]
    return [(label, value) for label, value in pairs if value]


def count_lines(report: dict[str, Any]) -> list[str]:
    """The sentences that say what is not shown and what is still waiting."""
    labels, counts = report["labels"], report["counts"]
    lines = [
        labels["unanswered"] % {"count": counts["unanswered"]} if counts["unanswered"] else labels["unanswered_none"]
    ]
    if counts["waiting"]:
        lines.append(labels["waiting"] % {"count": counts["waiting"]})
    if counts["rejected"]:
        lines.append(labels["rejected"] % {"count": counts["rejected"]})
    return lines


def heavy_lines(report: dict[str, Any]) -> list[str]:
    labels, heavy = report["labels"], report["heavy"]
    return [
        labels["heavy"] % {"count": heavy["threshold"]},
        labels["heavy_addresses"] % {"count": heavy["addresses"]},
    ]


def support_rows(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    labels = report["labels"]
    header = [labels["number"], labels["recommendation"], labels["supports"], labels["supports_without_heavy"]]
    header.append(labels["comments"])
    rows = [
        [r["number"], r["title"], r["supports"], r["supports_without_heavy"], len(r["comments"])]
        for r in report["recommendations"]
    ]
    return header, rows


def comment_rows(report: dict[str, Any], comments: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    labels = report["labels"]
    # The commune's words in a cell of their own: each cell takes the direction of its own text.
    header = [labels["number"], labels["comment"], labels["answer"], labels["answer_text"]]
    return header, [[f"#{c['id']}", c["text"], answer_kind(c, labels), c["response_text"]] for c in comments]


def participation_tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, header, rows) per dimension: gender, category, age band, how the comment came."""
    labels = report["labels"]

    def name(kind: str, key: str) -> str:
        if key == "not_given":
            return labels["not_given"]
        if kind == "by_gender":
            return labels.get(key) or labels["category.other"]
        if kind == "by_source":
            return labels.get(f"source.{key}", key)
        prefix = "category" if kind == "by_category" else "age"
        return labels.get(f"{prefix}.{key}") or labels["category.other"]

    titles = {
        "by_gender": labels["gender"],
        "by_category": labels["category"],
        "by_age": labels["age"],
        "by_source": labels["source"],
    }
    tables = []
    for kind in PARTICIPATION:
        counts = report["participation"][kind]
        if counts:
            rows = [[name(kind, key), n] for key, n in counts.items()]
            tables.append((titles[kind], [titles[kind], labels["total"]], rows))
    return tables


# The plain writers.


def write_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


CSV_COLUMNS = (
    "row",
    "recommendation",
    "axis",
    "title",
    "id",
    "kind",
    "text",
    "created_at",
    "status",
    "source",
    "supports",
    "supports_without_heavy",
    "response",
    "answer",
    "response_text",
    "covered_by",
    "merged_into",
)


def csv_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A row per draft recommendation (its supports), each followed by its published comments; then the proposals."""
    labels = report["labels"]
    rows = []
    for rec in report["recommendations"]:
        rows.append({**rec, "row": "recommendation", "recommendation": rec["number"], "id": None})
        for c in rec["comments"]:
            rows.append({**c, "row": "comment", "axis": rec["axis"], "answer": answer_kind(c, labels)})
    for group in report["proposals"]:
        for c in group["comments"]:
            rows.append({**c, "row": "proposal", "answer": answer_kind(c, labels)})
    return rows


def write_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then opens Arabic); text that starts like a formula gets a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(report):
        writer.writerow([csv_value(row.get(c)) for c in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def _md_comments(labels: dict[str, str], comments: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in comments:
        lines.append(f"- **#{c['id']}** {markdown_text(c['text'])}")
        lines.append(f"  - _{markdown_text(answer_text(c, labels))}_")
    return lines


def write_markdown(report: dict[str, Any]) -> bytes:
    labels, process = report["labels"], report["process"]
    lines = [f"# {labels['report']}: {markdown_text(process['title'])}", ""]
    lines.append(f"- **{labels['commune']}**: {markdown_text(commune_name(report))}")
    lines += [f"- **{label}**: {markdown_text(value)}" for label, value in status_line(report)]
    if process["url"]:
        lines.append(f"- <{process['url']}/consultation>")
    lines += ["", f"_{labels['public_version']}_", "", f"## {labels['results']}", ""]
    lines += _table(*support_rows(report))
    lines += [f"- {markdown_text(line)}" for line in count_lines(report)]
    lines += ["", *(f"_{markdown_text(line)}_" for line in heavy_lines(report)), ""]
    for rec in report["recommendations"]:
        lines += [f"## {rec['number']}. {markdown_text(rec['title'])}", ""]
        lines += [f"{markdown_text(rec['text'])}", ""]
        if rec["revised"]:
            lines += [f"_{labels['revised']}_", ""]
        lines += _md_comments(labels, rec["comments"]) or [f"_{labels['no_comments']}_"]
        lines.append("")
    if report["proposals"]:
        lines += [f"## {labels['proposals']}", ""]
        for group in report["proposals"]:
            lines += [f"### {markdown_text(group['axis'])}", ""]
            lines += [*_md_comments(labels, group["comments"]), ""]
    lines += [f"## {labels['participation']}", ""]
    for title, header, rows in participation_tables(report):
        lines += [f"### {markdown_text(title)}", "", *_table(header, rows)]
    return "\n".join(lines).encode()


def writer(fmt: str):
    if fmt in ("pdf", "docx", "xlsx"):
        # Imported on demand: the PDF and Office libraries are heavy.
        from consult.reports import consultation_files

        return {"pdf": consultation_files.write_pdf, "docx": consultation_files.write_docx}.get(
            fmt, consultation_files.write_xlsx
        )
    return {"csv": write_csv, "json": write_json, "md": write_markdown}[fmt]


def render_consultation(process: Process, fmt: str, lang: str = "ar") -> bytes:
    """The consultation's public report as the bytes of one file."""
    if fmt not in FORMATS or lang not in LANGUAGES:
        raise ValueError(f"{fmt} {lang}")
    return writer(fmt)(build_consultation(process, lang))


def filename(process: Process, fmt: str, lang: str) -> str:
    return f"tashawur-{process.slug}-consultation-{lang}.{fmt}"


def render_off_loop(process: Process, fmt: str, lang: str = "ar") -> bytes:
    """The data read here, the file written in a native thread under gevent or eventlet: a PDF takes a second of
    CPU, and in a greenlet it would hold every live socket of the process that long."""
    if fmt not in FORMATS or lang not in LANGUAGES:
        raise ValueError(f"{fmt} {lang}")
    report = build_consultation(process, lang)
    write = writer(fmt)
    mode = current_app.config.get("ASYNC_MODE")
    if mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(write, (report,))
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(write, report)
    return write(report)
