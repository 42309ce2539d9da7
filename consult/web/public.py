"""The public side of a commune's consultations: no login, no script, the same bytes for every reader of a language.

Every answer carries an ETag (a hash of its body) and Cache-Control: public, so that a proxy in front of the server
serves the crowd that a post on the commune's Facebook page sends; no cookie goes out (see assets.SessionInterface).
The language comes from ?lang= or else from Accept-Language (then Vary says so), never from a cookie.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import brotli
from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file
from flask_babel import gettext as _

from consult.extensions import db
from consult.i18n import LANGUAGES, asked_language, current_language, format_day
from consult.models import Process
from consult.models.process import DECISIONS, DOCUMENT_KINDS, FOLLOW_STATUSES, STEP_STATUSES
from consult.reports.export import FORMATS, MIMETYPES, filename, render_off_loop
from consult.reports.outcome import REPORT_LANGUAGES
from consult.services import ServiceError
from consult.services.consultation import local_day
from consult.services.outcome import FOLD_BELOW
from consult.services.processes import document_path
from consult.services.publication import (
    feed_view,
    process_path,
    public_document,
    public_process,
    public_version,
    public_workshop,
    published_process,
    published_processes,
    recommendation_view,
    site_url,
)

bp = Blueprint("public", __name__, url_prefix="/p")
# A minute: a crowd arriving from one post is served by the proxy, and a follow-up update shows within a minute.
MAX_AGE = 60
# Reports are built on demand (a PDF takes a second or more): a proxy keeps them longer.
REPORT_MAX_AGE = 600
OG_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh_MA", "en": "en_US"}
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


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


@bp.app_template_filter("closing_day")
def closing_day(value: str | None) -> str:
    """The last Moroccan day before an ISO closing time of the read model (it closes at that day's end)."""
    if not value:
        return ""
    return format_day(local_day(datetime.fromisoformat(value.removesuffix("Z")), last=True))


@bp.app_template_filter("in_lang")
def in_lang(url: str) -> str:
    """A link to another public page keeps the language the reader chose with ?lang= (else theirs applies again)."""
    asked = request.args.get("lang")
    if asked not in LANGUAGES:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={asked}"


def _fingerprint() -> str:
    """The public templates and stylesheet as deployed: a new release never answers 304 with an old page."""
    root = Path(__file__).resolve().parent.parent.parent
    files = sorted((root / "templates" / "public").glob("*.html")) + [root / "static" / "css" / "public.css"]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()[:12]


RELEASE = _fingerprint()
# Built read models and bodies, by what they depend on: a crowd on one page costs one build per change, not per reader.
CACHE_SECONDS = 300
_models: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_bodies: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_versions: dict[tuple[str, str], tuple[float, int, str]] = {}
FRESH_SECONDS = 1.0


def _remember(store: OrderedDict, key: tuple, make: Callable[[], Any], limit: int) -> Any:
    found = store.get(key)
    if found is not None and found[0] > time.monotonic():
        store.move_to_end(key)
        return found[1]
    value = make()
    store[key] = (time.monotonic() + CACHE_SECONDS, value)
    while len(store) > limit:
        store.popitem(last=False)
    return value


class Ref:
    """A published process by its address and the version of what its pages show; its row is read only to build."""

    def __init__(self, process_id: int, version: str, process: Process | None = None):
        self.id, self.version, self._process = process_id, version, process

    @property
    def process(self) -> Process:
        if self._process is None:
            self._process = db.session.get(Process, self.id)
            if self._process is None or not self._process.is_published:
                abort(404)
        return self._process


def _ref(commune_slug: str, process_slug: str) -> Ref:
    """The process at this address, read again (with its version) at most every PUBLIC_FRESH_SECONDS (1 s): a crowd
    costs a few small queries a second, and a change shows a second later at most (the tests set 0)."""
    fresh = current_app.config.get("PUBLIC_FRESH_SECONDS", FRESH_SECONDS)
    key = (commune_slug, process_slug)
    known = _versions.get(key)
    if known is not None and known[0] > time.monotonic():
        return Ref(known[1], known[2])
    found = _process(commune_slug, process_slug)
    version = public_version(found)
    if len(_versions) > 10_000:
        _versions.clear()
    _versions[key] = (time.monotonic() + fresh, found.id, version)
    return Ref(found.id, version, found)


def _model(found: Process, version: str) -> dict:
    """The read model (with its contributions) of this version, language and address."""
    lang = current_language()
    return _remember(_models, (found.id, lang, site_url(), version), lambda: public_process(found, lang), 8)


def _finish(response: Response, max_age: int, headers: dict) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers.update(headers)
    if "lang" not in request.args:
        response.vary.add("Accept-Language")
    return response


def _not_modified(etag: str) -> Response | None:
    # Flask-Compress and served() send "<etag>:br" for a compressed body: either names this version.
    for tag in request.if_none_match.as_set():
        if tag.split(":")[0] == etag:
            response = Response(status=304)
            response.set_etag(tag)
            return response
    return None


def cacheable(body: str | bytes, content_type: str, *, max_age: int = MAX_AGE, **headers: str) -> Response:
    """The body with its ETag (its hash) and a public Cache-Control; 304 when the reader (or proxy) already has it."""
    data = body.encode() if isinstance(body, str) else body
    etag = hashlib.sha256(data).hexdigest()[:24]
    response = _not_modified(etag)
    if response is None:
        response = Response(data, content_type=content_type)
        response.set_etag(etag)
    return _finish(response, max_age, headers)


def served(
    ref: Ref, build: Callable[[str], str | bytes], content_type: str, *, max_age: int = MAX_AGE, **headers: str
) -> Response:
    """A page of the process, built (and compressed) once per version of what it shows; its ETag names that version,
    so that a revalidation costs no query and no build."""
    asked = request.args.get("lang")
    version = ref.version
    key = (request.base_url, current_language(), asked if asked in REPORT_LANGUAGES else None, version, RELEASE)
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    response = _not_modified(etag)
    if response is not None:
        return _finish(response, max_age, headers)
    encoding = next((e for e in ("br", "gzip") if e in request.accept_encodings), None)

    def make() -> bytes:
        body = build(version)
        return body.encode() if isinstance(body, str) else body

    data = _remember(_bodies, (*key, None), make, 32)
    if encoding and len(data) >= 1024:
        data = _remember(_bodies, (*key, encoding), lambda: _compress(data, encoding), 32)
        response = Response(data, content_type=content_type)
        response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves an encoded body alone
        response.vary.add("Accept-Encoding")
        response.set_etag(f"{etag}:{encoding}")
    else:
        response = Response(data, content_type=content_type)
        response.set_etag(etag)
    return _finish(response, max_age, headers)


def _compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=current_app.config.get("COMPRESS_BR_LEVEL", 6))
    return gzip.compress(data, compresslevel=6)


def _process(commune_slug: str, process_slug: str):
    try:
        return published_process(commune_slug, process_slug)
    except ServiceError:
        abort(404)


def _page(template: str, **context) -> str:
    return render_template(template, **context)


def _html(ref: Ref, build: Callable[[str], str]) -> Response:
    return served(ref, build, "text/html; charset=utf-8")


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
    page = _page(
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
    return cacheable(page, "text/html; charset=utf-8")


@bp.route("/<commune_slug>/<process_slug>")
def process(commune_slug: str, process_slug: str):
    """The process page: steps, workshops, recommendations with their status, progress, documents."""
    ref = _ref(commune_slug, process_slug)

    def build(version: str) -> str:
        found = ref.process
        data = _model(found, version)
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

    return _html(ref, build)


def _crumbs(found, *more) -> list[tuple[str, str]]:
    name = found.commune.name_ar if current_language() == "ar" else found.commune.name_fr
    return [(name, f"/p/{found.commune.slug}"), (found.title, process_path(found)), *more]


@bp.route("/<commune_slug>/<process_slug>.json")
def open_data(commune_slug: str, process_slug: str):
    """The process page as open data (docs/OPEN_DATA.md)."""
    ref = _ref(commune_slug, process_slug)

    def build(version: str) -> str:
        return json.dumps(_model(ref.process, version), ensure_ascii=False, separators=(",", ":"))

    return served(ref, build, "application/json", **{"Access-Control-Allow-Origin": "*"})


@bp.route("/<commune_slug>/<process_slug>/feed.atom")
def feed(commune_slug: str, process_slug: str):
    """Publications, follow-up updates and documents, as an Atom 1.0 feed."""
    ref = _ref(commune_slug, process_slug)
    return served(ref, lambda version: _atom(ref.process, feed_view(_model(ref.process, version))), ATOM_TYPE)


def _atom(found: Process, entries: list[dict]) -> bytes:
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
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _atom_time(moment: datetime | None) -> str:
    return (moment or datetime(2000, 1, 1)).replace(microsecond=0).isoformat() + "Z"


@bp.route("/<commune_slug>/<process_slug>/recommendations/<int:rec_id>")
def recommendation(commune_slug: str, process_slug: str, rec_id: int):
    """One recommendation: the contributions it came from, the council's decision, the dated history."""
    ref = _ref(commune_slug, process_slug)

    def build(version: str) -> str:
        found = ref.process
        try:
            data = recommendation_view(_model(found, version), rec_id)
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

    return _html(ref, build)


@bp.route("/<commune_slug>/<process_slug>/workshops/<code>")
def workshop(commune_slug: str, process_slug: str, code: str):
    """A published workshop's contributions, each with its reasoned response."""
    ref = _ref(commune_slug, process_slug)

    def build(version: str) -> str:
        found = ref.process
        try:
            shown = public_workshop(found, code)
        except ServiceError:
            abort(404)
        data = _model(found, version)
        row = next(w for w in data["workshops"] if w["code"] == shown.code)
        return _page(
            "public/workshop.html",
            data=data,
            workshop=row,
            contributions=[c for c in data["contributions"] if c["workshop"] == shown.code],
            recommendations={r["number"]: r for r in data["recommendations"]},
            labels=_labels(),
            fold_below=FOLD_BELOW,
            page_title=row["title"],
            page_summary=data["process"]["title"],
            canonical_url=row["url"],
            breadcrumbs=_crumbs(found),
        )

    return _html(ref, build)


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
    ref = _ref(commune_slug, process_slug)
    try:
        shown = public_workshop(ref.process, code)
    except ServiceError:
        abort(404)
    lang = asked_language(request.args.get("lang")) or shown.language
    if fmt not in FORMATS or lang not in REPORT_LANGUAGES:
        abort(404)
    disposition = "inline" if fmt in ("pdf", "json") else "attachment"

    def build(_version: str) -> bytes:
        data = render_off_loop(shown, fmt, lang=lang, public=True)
        db.session.rollback()  # the read's transaction ends before the (possibly long) response is sent
        return data

    return served(
        ref,
        build,
        MIMETYPES[fmt],
        max_age=REPORT_MAX_AGE,
        **{"Content-Disposition": f'{disposition}; filename="{filename(shown, fmt, lang, True)}"'},
    )
