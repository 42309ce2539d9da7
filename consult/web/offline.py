"""The phone's service worker, served from the site's root so that its scope can cover the rooms (/w/<code>)."""

from pathlib import Path

from flask import Blueprint, Response, current_app, request

from consult.assets import digest

bp = Blueprint("offline", __name__)
WORKBOX = "vendor/workbox"


@bp.app_url_defaults
def workbox_version(endpoint: str, values: dict) -> None:
    """/sw.js?v=<hash of the Workbox folder>: the worker imports its Workbox files under that hash, so that they are
    kept a year and its update check on every room load asks for nothing but /sw.js itself."""
    if endpoint == "offline.service_worker" and "v" not in values:
        version = current_app.extensions["static_files"].folders.get(WORKBOX)
        if version:
            values["v"] = version


@bp.route("/sw.js")
def service_worker():
    """The worker script (static/js/sw.js); a browser checks it for a new version on every room load, and an
    unchanged one answers 304 (a file sent as a stream would be compressed without its ETag ever being compared)."""
    data = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    response = Response(data, mimetype="text/javascript")
    response.set_etag(digest(data))
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
