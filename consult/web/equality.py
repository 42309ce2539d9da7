"""The equality report of a published consultation, for its equity body (IECG) and anyone: a page and a PDF.

Like the other public pages: no login, no script, no cookie read; the language from ?lang= or the browser; an ETag
and a public Cache-Control, so that a proxy serves the crowd.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request, url_for

from consult.i18n import LANGUAGES, current_language, format_day
from consult.models import Process
from consult.reports.equality import HIDDEN, equality_labels, percent, row_label, write_equality_pdf
from consult.services import ServiceError
from consult.services.equality import equality_report
from consult.services.outcome import NOT_GIVEN
from consult.services.processes import public_url
from consult.services.publication import published_process

bp = Blueprint("equality", __name__, url_prefix="/p")
MAX_AGE = 60
OG_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh_MA", "en": "en_US"}


@bp.before_request
def reader_language() -> None:
    """?lang=, else the browser's languages, else Arabic: never a remembered choice a proxy cannot see."""
    asked = request.args.get("lang")
    g.locale = asked if asked in LANGUAGES else request.accept_languages.best_match(LANGUAGES) or "ar"


def _published(commune_slug: str, process_slug: str) -> Process:
    try:
        return published_process(commune_slug, process_slug)
    except ServiceError:
        abort(404)


def _cacheable(data: bytes, content_type: str, **headers: str) -> Response:
    response = Response(data, content_type=content_type, headers=headers)
    response.set_etag(hashlib.sha256(data).hexdigest()[:24])
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    if "lang" not in request.args:
        response.vary.add("Accept-Language")
    return response.make_conditional(request)


def _width(part: int | None, whole: int | None) -> float:
    return round(100 * part / whole, 1) if part and whole else 0


@bp.route("/<commune_slug>/<process_slug>/equality")
def page(commune_slug: str, process_slug: str):
    """Who took part and whose contributions survived, with bars; small groups never shown."""
    process = _published(commune_slug, process_slug)
    report = equality_report(process)
    labels = equality_labels()
    page_url = public_url(process, request.host_url)
    lang = current_language()
    html = render_template(
        "public/equality.html",
        process=process,
        report=report,
        labels=labels,
        row_label=row_label,
        percent=percent,
        width=_width,
        hidden=HIDDEN,
        day=lambda iso: format_day(date.fromisoformat(iso)),
        not_given=NOT_GIVEN,
        process_url=page_url,
        pdf_url=url_for(".pdf", commune_slug=commune_slug, process_slug=process_slug, lang=lang),
        page_title=f"{labels['title']} · {process.title}",
        page_summary=labels["intro"],
        canonical_url=f"{page_url}/equality",
        og_locales=OG_LOCALES,
        breadcrumbs=[(process.title, page_url)],
    )
    return _cacheable(html.encode(), "text/html; charset=utf-8")


@bp.route("/<commune_slug>/<process_slug>/equality.pdf")
def pdf(commune_slug: str, process_slug: str):
    """The same report as a short PDF, in the reader's language (?lang=)."""
    process = _published(commune_slug, process_slug)
    lang = current_language()
    data = write_equality_pdf(equality_report(process), process, lang=lang, url=public_url(process, request.host_url))
    name = f"tashawur-{process.slug}-equality-{lang}.pdf"
    return _cacheable(data, "application/pdf", **{"Content-Disposition": f'inline; filename="{name}"'})
