"""The staff archive: a commune's workshops, their statistics, and their outcome report in every format.

Staff accounts read and download here and change nothing; every page checks the reader's commune.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request
from flask_login import current_user, login_required

from consult.i18n import LANGUAGE_NAMES, asked_language, current_language
from consult.labels import CATEGORY_LABELS
from consult.models import Workshop
from consult.reports.export import FORMATS, MIMETYPES, filename, render_off_loop
from consult.reports.outcome import REPORT_LANGUAGES, build_outcome
from consult.services import ServiceError
from consult.services.access import check_reader
from consult.services.outcome import FOLD_BELOW
from consult.services.workshops import find_workshop, search_workshops

bp = Blueprint("reports", __name__, url_prefix="/reports")
REPORT_LANGUAGE_NAMES = {**LANGUAGE_NAMES, "ar+fr": "العربية + Français"}


def _readable(code: str) -> Workshop:
    try:
        workshop = find_workshop(code)
        check_reader(workshop, current_user)
    except ServiceError:
        abort(404)  # another commune's workshop is not even acknowledged
    g.workshop_language = workshop.language
    return workshop


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/")
@login_required
def archive():
    """The commune's workshops, searchable by title or axis, date and status."""
    text = (request.args.get("q") or "")[:100]
    on = _date(request.args.get("date"))
    status = request.args.get("status") or None
    workshops = search_workshops(current_user, text=text, on=on, status=status)
    bad_date = bool(request.args.get("date")) and on is None
    return render_template(
        "reports/archive.html",
        workshops=workshops,
        q=text,
        on=on,
        status=status,
        bad_date=bad_date,
        formats=FORMATS,
        languages=REPORT_LANGUAGE_NAMES,
    )


@bp.route("/<code>")
@login_required
def workshop(code: str):
    """Statistics of one workshop, as pictures, and its downloads."""
    found = _readable(code)
    outcome = build_outcome(found, lang=current_language(), public=True)
    # A merged duplicate's votes count in the problem it joined: it is no problem of its own here.
    votes = sorted(
        (
            (p["votes"], p["text"], axis["name"])
            for axis in outcome["axes"]
            for p in axis["problems"]
            if p["status"] != "merged"
        ),
        reverse=True,
    )[:10]
    return render_template(
        "reports/workshop.html",
        workshop=found,
        outcome=outcome,
        categories=CATEGORY_LABELS,
        votes=votes,
        fold_below=FOLD_BELOW,
        formats=FORMATS,
        languages=REPORT_LANGUAGE_NAMES,
    )


@bp.route("/<code>/download")
@login_required
def download(code: str):
    """One file of the outcome report; ?format=pdf|docx|xlsx|csv|json|md &lang=ar|fr|zgh|en|ar+fr
    (default: the workshop's language) &public=1."""
    found = _readable(code)
    fmt = request.args.get("format", "pdf")
    lang = asked_language(request.args.get("lang")) or found.language
    if fmt not in FORMATS or lang not in REPORT_LANGUAGES:
        abort(400)
    public = request.args.get("public", "1") != "0"
    data = render_off_loop(found, fmt, lang=lang, public=public)
    name = filename(found, fmt, lang, public)
    return Response(
        data,
        content_type=MIMETYPES[fmt],  # as written there: mimetype= would add a second charset to text types
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.app_template_filter("percent")
def percent(part: int, whole: int) -> str:
    return f"{(100 * part / whole) if whole else 0:.0f}%"
