"""Static files and compression (consult/assets.py): what a phone on a weak network downloads, and how often."""

import re
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import unquote

import brotli
from flask import url_for

from consult.extensions import db

BR = {"Accept-Encoding": "br, gzip"}


def page(client, path: str = "/") -> str:
    response = client.get(path, headers=BR)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    return brotli.decompress(response.get_data()).decode()


def test_pages_and_files_travel_compressed_and_small_answers_as_they_are(client):
    html = page(client)
    assert "<html" in html
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', html).group(1)
    sheet = client.get(css, headers=BR)
    assert sheet.headers["Content-Encoding"] == "br"
    assert len(sheet.get_data()) < len(brotli.decompress(sheet.get_data())) / 3
    icon = client.get("/favicon.ico", headers=BR)  # 328 bytes: one packet either way
    assert icon.status_code == 200 and "Content-Encoding" not in icon.headers


def test_a_static_url_carries_its_hash_and_is_kept_a_year(client):
    html = page(client)
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', html).group(1)
    sheet = client.get(css, headers=BR)
    assert sheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Cookie" not in sheet.headers.get("Vary", "")  # a new cookie must not make the phone fetch it again
    # The fonts the stylesheet names carry their own hashes, and are kept a year too.
    fonts = re.findall(
        r'url\("\.\./(vendor/fonts/[\w-]+\.woff2\?v=\w+)"\)', brotli.decompress(sheet.get_data()).decode()
    )
    assert len(fonts) == 6  # Arabic 400 and 700, Latin 400 and 700, Tifinagh, the switch's six Tifinagh letters
    assert client.get(f"/static/{fonts[0]}").headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # An old or missing hash is never kept: the phone asks again next time.
    for stale in ("/static/css/app.css?v=000000000000", "/static/css/app.css"):
        assert client.get(stale).headers["Cache-Control"] == "no-cache"
    etag = client.get("/static/css/app.css").headers["ETag"]
    assert client.get("/static/css/app.css", headers={"If-None-Match": etag}).status_code == 304


def test_the_favicon_is_an_icon(client, app):
    # In the page itself (no request on a first visit), and at /favicon.ico for the tools that ask for it.
    html = page(client)
    inline = re.search(r'<link rel="icon" href="data:image/svg\+xml,([^"]+)" type="image/svg\+xml">', html).group(1)
    svg = (Path(app.static_folder) / "favicon.svg").read_bytes().strip()
    assert unquote(html_unescape(inline)).encode() == svg
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data().startswith(b"<svg")


def test_socket_io_long_polling_still_answers_under_compression(client):
    response = client.get("/socket.io/?EIO=4&transport=polling", headers=BR)
    assert response.status_code == 200
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "br":
        body = brotli.decompress(body)
    assert body.startswith(b'0{"sid":')


def test_the_service_worker_still_comes_compressed_from_the_root(client):
    response = client.get("/sw.js", headers=BR)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert b"workbox" in brotli.decompress(response.get_data())
    db.session.remove()


def test_the_workers_update_check_on_a_repeat_visit_costs_one_empty_answer(app, client):
    # The room registers /sw.js with the hash of the Workbox folder; the worker imports Workbox under that hash.
    with app.test_request_context():
        worker = url_for("offline.service_worker")
    version = re.fullmatch(r"/sw\.js\?v=(\w+)", worker).group(1)
    first = client.get(worker, headers=BR)
    again = client.get(worker, headers={**BR, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    assert "Cookie" not in again.headers.get("Vary", "")
    for name in ("workbox-sw.js", "workbox-core.prod.js", "workbox-strategies.prod.js"):
        kept = client.get(f"/static/vendor/workbox/{name}?v={version}", headers=BR)
        assert kept.status_code == 200 and kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "ETag" not in kept.headers  # never revalidated: no validator to carry
    # Another folder's hash is not a Workbox file's.
    assert client.get(f"/static/js/room.js?v={version}").headers["Cache-Control"] == "no-cache"
    db.session.remove()


def test_a_facilitators_pages_are_never_compressed_breach(client, auth, facilitator):
    assert client.get("/login", headers=BR).headers["Content-Encoding"] == "br"  # nobody signed in yet
    auth.login(facilitator)
    for path in ("/facilitate/", "/facilitate/new"):
        response = client.get(path, headers=BR)
        assert response.status_code == 200 and len(response.get_data()) > 1024  # big enough to be compressed
        assert "Content-Encoding" not in response.headers, path
    sheet = re.search(r'href="(/static/css/app\.css\?v=\w+)"', client.get("/facilitate/").get_data(as_text=True))
    assert client.get(sheet.group(1), headers=BR).headers["Content-Encoding"] == "br"  # files still travel small
