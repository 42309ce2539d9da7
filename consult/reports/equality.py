"""The equality report's words (one set for the page and the PDF) and its PDF, built with the outcome report's
machinery: the same fonts, HarfBuzz shaping, right-to-left tables and bars."""

from __future__ import annotations

from typing import Any

from babel import Locale, numbers
from flask_babel import force_locale
from flask_babel import gettext as _

from consult.i18n import REGIONAL, current_language, text_direction
from consult.labels import AGE_LABELS, CATEGORY_LABELS, GENDER_LABELS
from consult.models import Process
from consult.reports.bidi import isolate_numbers
from consult.reports.pdf import GREY, Report
from consult.services.outcome import FOLD_BELOW, NOT_GIVEN

HIDDEN = "…"
NO_SHARE = "–"


def equality_labels() -> dict[str, str]:
    """The report's words in the current locale."""
    return {
        "title": _("Equality report"),
        "intro": _(
            "Who took part in the published workshops of this consultation, and whose contributions survived into "
            "the recommendations and the council's decisions: the gender approach of organic law 113-14, for the "
            "commune's equity body (IECG)."
        ),
        "published_only": _("Only published workshops are counted: their outcome is final and public."),
        "workshops": _("Workshops counted"),
        "no_workshop": _("No workshop of this consultation has been published yet."),
        "purged": _("personal data deleted"),
        "purged_note": _(
            "The personal data of a workshop marked “personal data deleted” was erased once it was over: its "
            "attendance figures were kept, but not who wrote what, so its contributions count as “not given”."
        ),
        "participation": _("Who took part"),
        "participants": _("Participants"),
        "by_category": _("Participants by stakeholder category and gender"),
        "by_age": _("Participants by age and gender"),
        "scribed": _("Contributions entered for people without a phone, by category and gender of the speaker"),
        "online": _("Who commented on the draft"),
        "online_intro": _(
            "The consultation on the draft, online and on paper: each comment counts once, by what its author chose to "
            "say about themselves. Rejected comments are not counted."
        ),
        "online_comments": _("Comments"),
        "online_by_category": _("Comments by stakeholder category and gender"),
        "online_by_age": _("Comments by age and gender"),
        "survival": _("Whose contributions survived"),
        "survival_intro": _(
            "Of the contributions (problems and solutions, duplicates included) of each group: how many were retained "
            "in a recommendation, and how many in a recommendation the council then adopted, as such or amended."
        ),
        "by_gender_survival": _("Contributions by gender"),
        "by_category_survival": _("Contributions by stakeholder category"),
        "group": _("Group"),
        "people": _("People"),
        "contributions": _("Contributions"),
        "retained": _("Retained in a recommendation"),
        "adopted": _("Adopted by the council"),
        "retained_only": _("Retained, not adopted"),
        "not_retained": _("Not retained"),
        "hidden_note": _(
            "%(mark)s: not shown, so that nobody in a group of fewer than %(count)s people can be recognized, "
            "directly or by subtraction from a total."
        )
        % {"mark": HIDDEN, "count": FOLD_BELOW},
        "share_note": _("%(mark)s: no share is given over fewer than %(count)s contributions.")
        % {"mark": NO_SHARE, "count": FOLD_BELOW},
        "folded": _("Groups of fewer than %(count)s people are counted in “other”, so that nobody can be recognized.")
        % {"count": FOLD_BELOW},
        "category": _("Stakeholder category"),
        "age": _("Age"),
        "gender": _("Gender"),
        "total": _("Total"),
        "female": str(GENDER_LABELS["female"]),
        "male": str(GENDER_LABELS["male"]),
        NOT_GIVEN: _("Not given"),
        "pdf": _("Download the equality report (PDF)"),
        "public_page": _("Follow this consultation on its public page"),
        **{f"category.{k}": str(v) for k, v in CATEGORY_LABELS.items()},
        **{f"age.{k}": str(v) for k, v in AGE_LABELS.items()},
        "age.other": str(CATEGORY_LABELS["other"]),
    }


def row_label(labels: dict[str, str], kind: str, key: str) -> str:
    """A row's name: a category, an age band or a gender; "not given" for nothing said."""
    if key == NOT_GIVEN:
        return labels[NOT_GIVEN]
    return labels.get(f"{kind}.{key}") or labels.get(key) or key


def percent(value: float | None) -> str:
    """33 % in the reader's way of writing it; the no-share mark when there is none."""
    if value is None:
        return NO_SHARE
    return numbers.format_percent(value, locale=Locale.parse(REGIONAL.get(current_language(), "ar_MA")))


def cell(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def _gender_table(pdf: Report, labels: dict[str, str], table: dict[str, Any], kind: str, title: str) -> None:
    header = [labels[kind], labels["female"], labels["male"], labels[NOT_GIVEN], labels["total"]]
    rows = [
        [row_label(labels, kind, r["key"]), *(cell(r[c]) for c in ("female", "male", NOT_GIVEN, "total"))]
        for r in table["rows"]
    ]
    if not rows:
        return
    total = table["total"]
    rows.append([labels["total"], *(cell(total[c]) for c in ("female", "male", NOT_GIVEN, "total"))])
    pdf.para(title, bold=True)
    pdf.grid(header, rows, [3, 1, 1, 1, 1])


def _survival(pdf: Report, labels: dict[str, str], rows: list[dict[str, Any]], kind: str, title: str) -> None:
    if not rows:
        return
    pdf.para(title, bold=True)
    header = [labels["group"], labels["people"], labels["contributions"], labels["retained"], labels["adopted"]]
    body = []
    for r in rows:
        name = row_label(labels, kind, r["key"])
        if r["hidden"]:
            body.append([name, HIDDEN, HIDDEN, HIDDEN, HIDDEN])
            continue
        body.append(
            [
                name,
                r["people"],
                r["contributions"],
                f"{r['retained']} ({percent(r['retained_share'])})",
                f"{r['adopted']} ({percent(r['adopted_share'])})",
            ]
        )
    pdf.grid(header, body, [3, 1, 1.3, 1.8, 1.8])
    bars = [
        (
            row_label(labels, kind, r["key"]),
            {
                "adopted": r["adopted"],
                "retained": r["retained"] - r["adopted"],
                "not_retained": r["contributions"] - r["retained"],
            },
        )
        for r in rows
        if not r["hidden"] and r["contributions"]
    ]
    pdf.bars(
        labels["contributions"],
        bars,
        ["adopted", "retained", "not_retained"],
        {"adopted": labels["adopted"], "retained": labels["retained_only"], "not_retained": labels["not_retained"]},
    )


def write_equality_pdf(report: dict[str, Any], process: Process, *, lang: str, url: str | None = None) -> bytes:
    """The equality report as a short PDF section, in lang."""
    with force_locale(lang):
        labels = equality_labels()
        commune = process.commune
        pdf = Report(
            {
                "direction": text_direction(lang),
                "language": lang,
                "labels": {"report": labels["title"]},
                "workshop": {
                    "title": process.title,
                    "commune": {"name_ar": commune.name_ar, "name_fr": commune.name_fr},
                },
            }
        )
        pdf.add_page()
        pdf.heading(labels["title"], 18)
        pdf.heading(process.title, 14)
        pdf.para(labels["intro"], size=9)
        if url:
            pdf.qr(url, labels["public_page"])
        pdf.heading(labels["workshops"], 12, room=30)
        if not report["workshops"]:
            pdf.para(labels["no_workshop"], size=9, color=GREY)
        for w in report["workshops"]:
            mark = f" ({labels['purged']})" if w["purged"] else ""
            pdf.para(isolate_numbers(f"• {w['title']} · {w['date'] or ''}{mark}"), size=9)
        pdf.para(labels["published_only"], size=8, color=GREY)
        if report["purged_workshops"]:
            pdf.para(labels["purged_note"], size=8, color=GREY)

        pdf.heading(labels["participation"], room=60)
        pdf.para(f"{labels['participants']}: {report['participants']}", bold=True)
        _gender_table(pdf, labels, report["by_category_gender"], "category", labels["by_category"])
        _gender_table(pdf, labels, report["by_age_gender"], "age", labels["by_age"])
        _gender_table(pdf, labels, report["scribed_by_category_gender"], "category", labels["scribed"])

        if report.get("online"):
            online = report["online"]
            pdf.heading(labels["online"], room=60)
            pdf.para(labels["online_intro"], size=9)
            pdf.para(f"{labels['online_comments']}: {online['comments']}", bold=True)
            _gender_table(pdf, labels, online["by_category_gender"], "category", labels["online_by_category"])
            _gender_table(pdf, labels, online["by_age_gender"], "age", labels["online_by_age"])

        pdf.heading(labels["survival"], room=80)
        pdf.para(labels["survival_intro"], size=9)
        _survival(pdf, labels, report["survival"]["by_gender"], "gender", labels["by_gender_survival"])
        _survival(pdf, labels, report["survival"]["by_category"], "category", labels["by_category_survival"])
        for note in ("folded", "hidden_note", "share_note"):
            pdf.para(labels[note], size=8, color=GREY)
        return bytes(pdf.output())
