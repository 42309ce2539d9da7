"""The public side of a commune's consultations: no login, no script, the same bytes for every reader of a language.

Every answer carries an ETag (a hash of its body) and Cache-Control: public, so that a proxy in front of the server
serves the crowd that a post on the commune's Facebook page sends; no cookie goes out (see assets.SessionInterface).
The language comes from ?lang= or else from Accept-Language (then Vary says so), never from a cookie.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime

from flask import Blueprint, Response, abort, g, render_template, request, send_file
from flask_babel import gettext as _

from consult.extensions import db
from consult.i18n import LANGUAGES, asked_language, current_language, format_day
from consult.models.process import DECISIONS, DOCUMENT_KINDS, FOLLOW_STATUSES, STEP_STATUSES
from consult.reports.export import FORMATS, MIMETYPES, filename, render_off_loop
from consult.reports.outcome import FOLD_BELOW, REPORT_LANGUAGES
from consult.services import ServiceError
from consult.services.processes import document_path
from consult.services.publication import (
    feed_entries,
    process_path,
    public_document,
    public_process,
    public_recommendation,
    public_workshop,
    published_process,
    published_processes,
    site_url,
)

bp = Blueprint("public", __name__, url_prefix="/p")
# A minute: a crowd arriving from one post is served by the proxy, and a follow-up update shows within a minute.
MAX_AGE = 60
# Reports are built on demand (a PDF takes a second or more): a proxy keeps them longer.
REPORT_MAX_AGE = 600
OG_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh_MA", "en": "en_US"}
ATOM = "http://www.w3.org/2005/Atom"


@bp.before_request
def reader_language() -> None:
    """?lang=, else the browser's languages, else Arabic: never the remembered (cookie) choice a proxy cannot see."""
    asked = request.args.get("lang")
    g.locale = asked if asked in LANGUAGES else request.accept_languages.best_match(LANGUAGES) or "ar"


@bp.app_context_processor
def public_context() -> dict:
    return {"og_locales": OG_LOCALES, "breadcrumbs": None}


@bp.app_template_filter("isoday")
def isoday(value: str | None) -> str:
    """An ISO date or time of the read model, as the reader's language writes a day."""
    if not value:
        return ""
    return format_day(
        datetime.fromisoformat(value.replace("Z", "+00:00")).date() if "T" in value else date.fromisoformat(value)
    )


@bp.app_template_filter("in_lang")
def in_lang(url: str) -> str:
    """A link to another public page keeps the language the reader chose with ?lang= (else theirs applies again)."""
    asked = request.args.get("lang")
    if asked not in LANGUAGES:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={asked}"


def cacheable(body: str | bytes, content_type: str, *, max_age: int = MAX_AGE, **headers: str) -> Response:
    """The body with its ETag and a public Cache-Control; 304 when the reader (or proxy) already has it."""
    data = body.encode() if isinstance(body, str) else body
    etag = hashlib.sha256(data).hexdigest()[:24]
    # Flask-Compress sends "<etag>:br" for a compressed body: either names this version.
    known = {tag.split(":")[0] for tag in request.if_none_match.as_set()}
    if etag in known:
        response = Response(status=304)
        response.set_etag(next(tag for tag in request.if_none_match.as_set() if tag.split(":")[0] == etag))
    else:
        response = Response(data, content_type=content_type)
        response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers.update(headers)
    if "lang" not in request.args:
        response.vary.add("Accept-Language")
    return response


def _process(commune_slug: str, process_slug: str):
    try:
        return published_process(commune_slug, process_slug)
    except ServiceError:
        abort(404)


def _page(template: str, **context) -> Response:
    return cacheable(render_template(template, **context), "text/html; charset=utf-8")


def _labels() -> dict:
    return {
        "follow": {**FOLLOW_STATUSES, "proposed": _("Proposed"), "not_adopted": DECISIONS["not_adopted"]},
        "decisions": DECISIONS,
        "steps": STEP_STATUSES,
        "documents": {
            **DOCUMENT_KINDS,
            "workshop_report": _("Public report of the workshop"),
            "consultation_report": _("Report of the consultation on the draft"),
        },
        "kinds": {"problem": _("Problem"), "solution": _("Solution")},
        "responses": {
            "retained": _("Retained"),
            "merged": _("Merged into another contribution"),
            "not_retained": _("Not retained"),
            None: _("No response yet"),
        },
    }


@bp.route("/<commune_slug>")
def commune(commune_slug: str):
    """A commune's published consultations."""
    try:
        found, processes = published_processes(commune_slug)
    except ServiceError:
        abort(404)
    name = found.name_ar if current_language() == "ar" else found.name_fr
    return _page(
        "public/commune.html",
        commune=found,
        commune_name=name,
        processes=processes,
        paths={p.id: process_path(p) for p in processes},
        page_title=_("Consultations of %(commune)s", commune=name),
        page_summary=_(
            "The consultations of %(commune)s: what the workshops said and what became of it.", commune=name
        ),
        canonical_url=f"{site_url()}/p/{found.slug}",
    )


@bp.route("/<commune_slug>/<process_slug>")
def process(commune_slug: str, process_slug: str):
    """The process page: steps, workshops, recommendations with their status, progress, documents."""
    found = _process(commune_slug, process_slug)
    data = public_process(found, current_language(), contributions=False)
    summary = data["summary"]
    page_summary = _(
        "%(recommendations)s recommendations from %(workshops)s workshops; %(done)s done.",
        recommendations=summary["recommendations"],
        workshops=len(data["workshops"]),
        done=summary["by_status"]["done"],
    )
    return _page(
        "public/process.html",
        data=data,
        labels=_labels(),
        fold_below=FOLD_BELOW,
        page_title=data["process"]["title"],
        page_summary=(data["process"]["description"] or "") + " " + page_summary,
        canonical_url=data["process"]["url"],
        breadcrumbs=_crumbs(found),
    )


def _crumbs(found, *more) -> list[tuple[str, str]]:
    name = found.commune.name_ar if current_language() == "ar" else found.commune.name_fr
    return [(name, f"/p/{found.commune.slug}"), (found.title, process_path(found)), *more]


@bp.route("/<commune_slug>/<process_slug>.json")
def open_data(commune_slug: str, process_slug: str):
    """The process page as open data (docs/OPEN_DATA.md)."""
    found = _process(commune_slug, process_slug)
    body = json.dumps(public_process(found, current_language()), ensure_ascii=False, separators=(",", ":"))
    return cacheable(body, "application/json", **{"Access-Control-Allow-Origin": "*"})


@bp.route("/<commune_slug>/<process_slug>/feed.atom")
def feed(commune_slug: str, process_slug: str):
    """Publications, follow-up updates and documents, as an Atom 1.0 feed."""
    found = _process(commune_slug, process_slug)
    entries = feed_entries(found, current_language())
    url = site_url() + process_path(found)
    root = ET.Element("feed", xmlns=ATOM)
    root.set("xml:lang", current_language())
    ET.SubElement(root, "id").text = url
    ET.SubElement(root, "title").text = found.title
    ET.SubElement(root, "updated").text = entries[0]["updated"] if entries else _atom_time(found.published_at)
    ET.SubElement(root, "link", href=url, rel="alternate", type="text/html")
    ET.SubElement(root, "link", href=f"{url}/feed.atom", rel="self", type="application/atom+xml")
    author = ET.SubElement(root, "author")
    ET.SubElement(author, "name").text = found.commune.name_fr or found.commune.name_ar
    labels = _labels()
    for entry in entries:
        node = ET.SubElement(root, "entry")
        ET.SubElement(node, "id").text = entry["id"]
        title = entry["title"]
        if entry["kind"] == "publication":
            title = _("Published: %(title)s", title=title)
        elif entry["kind"] == "update":
            status = labels["follow"].get(entry["status"]) or labels["decisions"].get(entry["status"], entry["status"])
            title = f"{title} · {status}"
        ET.SubElement(node, "title").text = title
        ET.SubElement(node, "updated").text = entry["updated"]
        ET.SubElement(node, "link", href=entry["url"], rel="alternate", type="text/html")
        if entry.get("summary"):
            ET.SubElement(node, "summary").text = entry["summary"]
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return cacheable(body, "application/atom+xml; charset=utf-8")


def _atom_time(moment: datetime | None) -> str:
    return (moment or datetime(2000, 1, 1)).replace(microsecond=0).isoformat() + "Z"


@bp.route("/<commune_slug>/<process_slug>/recommendations/<int:rec_id>")
def recommendation(commune_slug: str, process_slug: str, rec_id: int):
    """One recommendation: the contributions it came from, the council's decision, the dated history."""
    found = _process(commune_slug, process_slug)
    try:
        data = public_recommendation(found, rec_id, current_language())
    except ServiceError:
        abort(404)
    rec = data["recommendation"]
    return _page(
        "public/recommendation.html",
        data=data,
        rec=rec,
        labels=_labels(),
        page_title=f"{rec['number']}. {rec['title']}",
        page_summary=rec["body"] or data["process"]["title"],
        canonical_url=rec["url"],
        breadcrumbs=_crumbs(found),
    )


@bp.route("/<commune_slug>/<process_slug>/workshops/<code>")
def workshop(commune_slug: str, process_slug: str, code: str):
    """A published workshop's contributions, each with its reasoned response."""
    found = _process(commune_slug, process_slug)
    try:
        shown = public_workshop(found, code)
    except ServiceError:
        abort(404)
    data = public_process(found, current_language())
    row = next(w for w in data["workshops"] if w["code"] == shown.code)
    contributions = [c for c in data["contributions"] if c["workshop"] == shown.code]
    return _page(
        "public/workshop.html",
        data=data,
        workshop=row,
        contributions=contributions,
        recommendations={r["number"]: r for r in data["recommendations"]},
        labels=_labels(),
        fold_below=FOLD_BELOW,
        page_title=row["title"],
        page_summary=data["process"]["title"],
        canonical_url=row["url"],
        breadcrumbs=_crumbs(found),
    )


@bp.route("/<commune_slug>/<process_slug>/documents/<int:document_id>")
def document(commune_slug: str, process_slug: str, document_id: int):
    """An uploaded document, opened in the reader's viewer (PDF or image, checked by its bytes when uploaded)."""
    found = _process(commune_slug, process_slug)
    try:
        doc = public_document(found, document_id)
    except ServiceError:
        abort(404)
    path = document_path(doc)
    if not path.exists():
        abort(404)
    # Inline: a phone opens the PDF or photo in its viewer at once; only the three types checked by their first bytes
    # at upload are ever stored, and nosniff keeps a browser from reading them as anything else.
    response = send_file(
        path, mimetype=doc.content_type, download_name=doc.filename, as_attachment=False, etag=doc.sha256
    )
    response.headers["Cache-Control"] = f"public, max-age={REPORT_MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.route("/<commune_slug>/<process_slug>/workshops/<code>/report.<fmt>")
def report(commune_slug: str, process_slug: str, code: str, fmt: str):
    """The public report of a published workshop (never the named one), in ?lang= (default: the workshop's)."""
    found = _process(commune_slug, process_slug)
    try:
        shown = public_workshop(found, code)
    except ServiceError:
        abort(404)
    lang = asked_language(request.args.get("lang")) or shown.language
    if fmt not in FORMATS or lang not in REPORT_LANGUAGES:
        abort(404)
    data = render_off_loop(shown, fmt, lang=lang, public=True)
    db.session.rollback()  # the read's transaction ends before the (possibly long) response is sent
    disposition = "inline" if fmt in ("pdf", "json") else "attachment"
    return cacheable(
        data,
        MIMETYPES[fmt],
        max_age=REPORT_MAX_AGE,
        **{"Content-Disposition": f'{disposition}; filename="{filename(shown, fmt, lang, True)}"'},
    )
