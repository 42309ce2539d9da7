"""What the server demands of its configuration before it serves: a real secret key, the proxies it trusts,
the origins that may open a socket."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Shorter keys can be guessed offline from one session cookie; 32 characters of randomness are far beyond reach.
SECRET_KEY_MIN_LENGTH = 32
# Keys that were shipped in this project or in tutorials: anyone could sign a session with them.
KNOWN_KEYS = frozenset(
    {"dev-only-change-me", "testing", "dev", "development", "secret", "secret-key", "changeme", "change-me",
     "change-this", "please-change-me", "your-secret-key", "super-secret", "supersecret", "default"}
)  # fmt: skip


def secret_key_problem(key: object) -> str | None:
    """Why a key must not sign production sessions, or None when it may."""
    if not key:
        return "SECRET_KEY is not set"
    if not isinstance(key, str | bytes):
        return "SECRET_KEY must be a string"
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    if text.strip().lower() in KNOWN_KEYS:
        return "SECRET_KEY is a published default"
    if len(text) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    return None


def instance_secret_key(path: Path) -> str:
    """This instance's own key, made once with mode 0600 and read back ever after (all processes share it)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key + "\n")
    try:
        os.link(temporary, path)  # atomic: of two processes starting together, one key wins and both read it
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


def check_secret_key(app: Flask) -> None:
    """Production refuses a missing, short or published key; development keeps one per instance."""
    if app.config.get("TESTING"):
        return
    if app.config.get("PRODUCTION"):
        problem = secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            # One line, no traceback: the operator reads it in the service log.
            raise SystemExit(
                f"Tashawur will not start in production: {problem}. Set SECRET_KEY to a long random value, e.g. "
                'the output of: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return
    if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] in KNOWN_KEYS:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path) / "secret_key")


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from X-Forwarded-* only from the proxies the operator names."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        # Wraps the Socket.IO middleware too, so sockets see the same address as pages.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def socket_origins(app: Flask):
    """Which pages may open a socket: our own origin, PUBLIC_URL's, and SOCKETIO_CORS_ORIGINS; nothing else."""
    listed = {origin_of(o) for o in [app.config.get("PUBLIC_URL"), *app.config.get("SOCKETIO_CORS_ORIGINS", [])]}
    listed.discard(None)

    def allowed(origin: str | None, environ: dict) -> bool:
        same = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == same or origin in listed

    return allowed
