"""The phone's service worker, served from the site's root so that its scope can cover the rooms (/w/<code>)."""

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("offline", __name__)


@bp.route("/sw.js")
def service_worker():
    """The worker script (static/js/sw.js); a browser checks it for a new version on every room load."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
