"""Static files for a phone on a weak network: each URL carries its content's hash, and a URL that does is cached
for a year (immutable), so that a repeat visit revalidates nothing and a changed file is fetched under a new URL.

url_for('static', filename=...) appends ?v=<hash>. Stylesheets are served with their own url(...) references
versioned the same way (fonts), so a changed font changes the stylesheet's hash too. The hashes are computed once
at start-up: a changed file is served under its new hash after a restart, as with any deployment.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface

IMMUTABLE = "public, max-age=31536000, immutable"
FAVICON = "favicon.svg"
# url(...) in a stylesheet that points at one of our own files by a relative path (not data:, http:, or /).
CSS_URL = re.compile(r"""url\((["']?)(?![a-z]+:|/)([^"')?#]+)\1\)""")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


class StaticFiles:
    """The static folder's hashes, and its stylesheets with their references versioned."""

    def __init__(self, folder: str | Path):
        root = Path(folder)
        self.versions: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # a folder's hash, of its own files' hashes: for files another file names
        self.styles: dict[str, bytes] = {}
        sheets = []
        for path in sorted(root.rglob("*")):
            if path.is_file():
                name = path.relative_to(root).as_posix()
                if path.suffix == ".css":
                    sheets.append((name, path))
                else:
                    self.versions[name] = digest(path.read_bytes())
        for name, path in sheets:
            self.styles[name] = self._versioned_css(name, path.read_text(encoding="utf-8")).encode()
            self.versions[name] = digest(self.styles[name])
        listing: dict[str, list[str]] = {}
        for name, version in sorted(self.versions.items()):
            listing.setdefault(posixpath.dirname(name), []).append(f"{name} {version}")
        self.folders = {folder: digest("\n".join(lines).encode()) for folder, lines in listing.items()}

    def _versioned_css(self, name: str, text: str) -> str:
        def versioned(found: re.Match) -> str:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), found.group(2)))
            version = self.versions.get(target)
            if version is None:
                return found.group(0)
            return f"url({found.group(1)}{found.group(2)}?v={version}{found.group(1)})"

        return CSS_URL.sub(versioned, text)

    def add_version(self, endpoint: str, values: dict) -> None:
        """url_for's default: the file's hash as ?v=, for every static URL."""
        if endpoint == "static" and "v" not in values:
            version = self.versions.get(values.get("filename", ""))
            if version:
                values["v"] = version

    def serve(self, filename: str) -> Response:
        """A static file; a year's cache when the URL names the file's current hash (or its folder's: the service
        worker names its Workbox files with the folder's hash it was given), a revalidation otherwise."""
        if filename in self.styles:
            response = Response(self.styles[filename], mimetype="text/css")
            response.set_etag(self.versions[filename])
            response.make_conditional(request)
        else:
            response = current_app.send_static_file(filename)
            response.headers.pop("Content-Disposition", None)  # a name the URL already says, on every file
        version = request.args.get("v")
        if version and version in (self.versions.get(filename), self.folders.get(posixpath.dirname(filename))):
            response.headers["Cache-Control"] = IMMUTABLE
            # Never revalidated: its validators would be 100 bytes of headers on each of a phone's first fetches.
            for name in ("ETag", "Last-Modified"):
                response.headers.pop(name, None)
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response

    def favicon(self) -> Response:
        """/favicon.ico, which browsers and tools ask for even when a page names its icon."""
        response = current_app.send_static_file(FAVICON)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask-Login reads the session after every request, which adds Vary: Cookie; a static file is the same for
    everyone, and that Vary would make a phone fetch every file again whenever its cookie changes."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.blueprint in ("public", "equality") or request.endpoint == "consultation.report":
            return  # a consultation's public pages are cached by proxies: they neither set a cookie nor vary by one
        super().save_session(app, session, response)
        if request.endpoint in ("static", "favicon", "offline.service_worker"):
            response.vary = [header for header in response.vary if header.lower() != "cookie"]


def init_app(app: Flask) -> None:
    files = StaticFiles(app.static_folder)
    app.extensions["static_files"] = files
    # The page's icon travels inside the page (330 bytes): one request fewer, 400 ms on 3G, for every first visit.
    icon = (Path(app.static_folder) / FAVICON).read_text(encoding="utf-8").strip()
    app.jinja_env.globals["favicon_uri"] = "data:image/svg+xml," + quote(icon, safe=" =:/\"'")
    app.url_defaults(files.add_version)
    app.view_functions["static"] = files.serve
    app.add_url_rule("/favicon.ico", "favicon", files.favicon)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = SessionInterface()
