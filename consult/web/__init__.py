"""HTTP transport: blueprints, forms and pages. Form POSTs call the same services as the sockets."""

import math
from urllib.parse import urlencode

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import refresh
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from consult.extensions import db, login_manager
from consult.i18n import LANGUAGE_NAMES, current_language, text_direction
from consult.models import User
from consult.throttle import TOO_MANY, RateLimited, retry_after


def wants_json() -> bool:
    return request.path.startswith("/api/")


BUSY_RETRY_AFTER = 30  # seconds: long enough for a crowd's burst to pass, short enough for a reader to wait


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    from consult.web import (
        api,
        auth,
        consultation,
        equality,
        facilitate,
        offline,
        participate,
        processes,
        public,
        reports,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(participate.bp)
    app.register_blueprint(facilitate.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(equality.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(consultation.bp)

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # Cookies carry the user's current session token (User.get_id): a rotated token loads nobody.
        return db.session.scalar(select(User).where(User.session_token == session_token)) if session_token else None

    @app.context_processor
    def page_language():
        lang = current_language()
        return {
            "lang": lang,
            "dir": text_direction(lang),
            "language_names": LANGUAGE_NAMES,
            "language_url": language_url,
        }

    @app.errorhandler(404)
    def not_found(_e):
        return error_response(404, "not_found", _("This page does not exist."))

    @app.errorhandler(405)
    def not_allowed(_e):
        return error_response(405, "invalid", _("This request is not allowed here."))

    @app.errorhandler(413)
    def too_large(_e):
        return error_response(413, "invalid", _("This request is too large."))

    @app.errorhandler(429)
    def too_many(_e):
        return throttled(TOO_MANY, retry_after())

    @app.errorhandler(RateLimited)
    def rate_limited(error: RateLimited):
        return throttled(error.message, error.retry_after)

    @app.errorhandler(CSRFError)
    def csrf_failed(_e):
        return error_response(400, "invalid", _("This form has expired. Go back, reload the page and try again."))

    @app.errorhandler(400)
    def bad_request(_e):
        return error_response(400, "invalid", _("This request is not valid."))

    @app.errorhandler(PoolTimeout)
    def overloaded(_e):
        # Every database connection stayed busy for the pool's timeout: a crowd, not a fault. Say when to come back.
        db.session.rollback()
        response, status = error_response(503, "busy", _("The server is very busy. Try again in a minute."))
        response = current_app.make_response((response, status))
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return error_response(500, "error", _("Something went wrong. Try again."))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # A policy governs documents and workers; a script, stylesheet or font would only carry 300 bytes more.
        if request.endpoint != "static" or response.mimetype == "image/svg+xml":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
                "script-src 'self'; "
                "connect-src 'self' ws: wss:; frame-ancestors 'none'",
            )
        if current_app.config.get("HSTS_SECONDS"):
            # Production answers over HTTPS only: tell browsers never to try plain HTTP (or a downgrade) again.
            response.headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
        return response

    app.before_request(forget_request_state)


def throttled(message, seconds: float):
    """429 with the translated message and when to come back."""
    response, status = error_response(429, "rate_limited", str(message))
    response = current_app.make_response((response, status))
    response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


def language_url(lang: str) -> str:
    """This page in another language: the same path and query, with lang= replaced."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def forget_request_state() -> None:
    """Start each request (or socket connect) without the previous one's user and language.

    A fresh app context per request makes this a no-op in production; tests share one context.
    """
    for name in ("_login_user", "locale", "screen_language", "workshop_language", "csrf_token"):
        g.pop(name, None)
    refresh()
