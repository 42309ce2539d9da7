"""A phone on a bad link, in Chromium: a link that stays open but carries nothing, and a reload in a dead hall.

The phone reaches the server through a small TCP proxy written here, which can hold the link (stop forwarding
without closing either socket, as venue Wi-Fi does) or cut it (refuse and close, as a dead access point does).
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import time
import uuid

import pytest

from tests.browser.conftest import shot
from tests.liveserver import LinkProxy, LiveServer, clone_sqlite, start_server

pytestmark = pytest.mark.browser

# Short Engine.IO pings so that a dead link shows in seconds (production: 10 s + 10 s, see config.py).
PING = {"SOCKETIO_PING_INTERVAL": "2", "SOCKETIO_PING_TIMEOUT": "2"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, prepared_db):
    folder = tmp_path_factory.mktemp("offline")
    server = start_server(folder, extra_env=PING, prepared=clone_sqlite(prepared_db, folder / "live.sqlite"))
    yield server
    server.stop()


@pytest.fixture
def proxy(server):
    link = LinkProxy(int(server.url.rsplit(":", 1)[1]))
    yield link
    link.close()


def through(server: LiveServer, proxy: LinkProxy) -> LiveServer:
    """The same server, as the phone reaches it: through the proxy."""
    return dataclasses.replace(server, url=f"http://127.0.0.1:{proxy.port}")


def join(page, server: LiveServer, nickname: str) -> None:
    page.goto(f"{server.url}/j/{server.code}?lang=en")
    page.fill("input[name=nickname]", nickname)
    page.check("input[name=consent]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{server.code}"))
    page.locator(".group-picker button").first.click()
    page.wait_for_selector("#post-form")
    page.wait_for_selector("#conn.online")


def stored(server: LiveServer, text: str) -> int:
    """How many items the server's database holds with this text."""
    db = sqlite3.connect(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    try:
        return db.execute("select count(*) from items where text = ?", (text,)).fetchone()[0]
    finally:
        db.close()


def post(page, text: str) -> None:
    page.fill("textarea[name=text]", text)
    page.click("#post-form button[type=submit]")


def test_a_post_through_a_silent_link_waits_then_is_sent_once(server, proxy, phone):
    page = phone()
    join(page, through(server, proxy), "Hafsa")
    text = f"Pas de rampe pour les fauteuils à la maison des jeunes {uuid.uuid4().hex[:4]}"

    proxy.hold()
    start = time.monotonic()
    post(page, text)
    waiting = page.locator(".item-waiting", has_text=text)
    waiting.wait_for()
    t_waiting = time.monotonic() - start
    assert page.locator("textarea[name=text]").input_value() == ""  # cleared, and kept on screen as waiting
    assert waiting.locator(".badge-waiting").count() == 1
    # The status line stops saying "live" once the post is unanswered past the ack timeout (2 s here).
    page.wait_for_selector("#conn:not(.online)", timeout=8_000)
    t_not_live = time.monotonic() - start
    status_then = page.locator("#conn").get_attribute("class")
    page.wait_for_selector("#conn.offline", timeout=10_000)  # the pings stopped: the link is known dead
    t_offline = time.monotonic() - start
    shot(page, "phone-waiting-post")
    page.wait_for_timeout(max(0, 8_000 - (time.monotonic() - start) * 1000))
    assert stored(server, text) == 0
    assert page.locator(".item-waiting", has_text=text).count() == 1

    t_release = time.monotonic() - start
    proxy.release()
    page.locator(".item-sent", has_text=text).wait_for(timeout=20_000)
    t_sent = time.monotonic() - start
    page.wait_for_selector("#conn.online")
    page.wait_for_timeout(1_000)  # any duplicate still in flight would land now

    print(
        f"\nheld-link timeline (s after the post): post 0.0, first waiting {t_waiting:.1f}, "
        f"not live {t_not_live:.1f} ({status_then}), offline {t_offline:.1f}, release {t_release:.1f}, "
        f"sent {t_sent:.1f}"
    )
    assert stored(server, text) == 1
    assert page.locator("article.item", has_text=text).count() == 1
    assert page.locator(".item-waiting").count() == 0
    assert t_not_live < 5


def test_a_reload_in_a_dead_hall_shows_the_room_and_its_waiting_post(server, proxy, phone):
    page = phone()
    join(page, through(server, proxy), "Brahim")
    # The worker is active and has the room and its files (it answers the next load, whichever page is open now).
    cached = "async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'"
    cached += " && !!(await caches.match(location.href))"
    # Static URLs carry their file's hash (?v=): any version of room.js will do here.
    cached += " && !!(await caches.match(new URL('/static/js/room.js', location.href).href, {ignoreSearch: true}))"
    deadline = time.monotonic() + 10
    while not page.evaluate(cached):  # wait_for_function would not await the promise
        assert time.monotonic() < deadline, "the service worker did not cache the room"
        page.wait_for_timeout(100)
    text = f"Les lampadaires de la route de Sidi Ali sont éteints {uuid.uuid4().hex[:4]}"
    title = page.locator("h1").inner_text()

    # Playwright's offline switch does not reach a service worker's own fetches: the proxy cuts the link too.
    page.context.set_offline(True)
    proxy.cut()
    page.wait_for_selector("#conn.offline", timeout=10_000)
    post(page, text)
    page.locator(".item-waiting", has_text=text).wait_for()

    response = page.reload()
    assert response is not None and response.from_service_worker
    assert page.locator("h1").inner_text() == title
    page.wait_for_selector("#post-form")
    page.locator(".item-waiting", has_text=text).wait_for()
    page.wait_for_selector("#conn.offline")
    page.locator(".item-waiting", has_text=text).scroll_into_view_if_needed()
    shot(page, "phone-offline-reload")
    assert stored(server, text) == 0

    page.context.set_offline(False)
    proxy.release()
    page.locator(".item-sent", has_text=text).wait_for(timeout=20_000)
    page.wait_for_selector("#conn.online")
    page.wait_for_timeout(1_000)
    assert stored(server, text) == 1
    assert page.locator("article.item", has_text=text).count() == 1


def test_the_phone_connects_over_a_websocket_and_falls_back_to_polling_when_the_upgrade_is_refused(
    server, proxy, phone
):
    """WebSocket first spares a 3G phone the polling handshake; a proxy that refuses WebSockets must not strand it."""
    direct = phone()
    sockets = []
    direct.on("websocket", lambda ws: sockets.append(ws.url))
    polls = []
    direct.on("request", lambda r: polls.append(r.url) if "transport=polling" in r.url else None)
    join(direct, server, "Direct")
    assert any("transport=websocket" in url for url in sockets)
    assert polls == []

    proxy.refuse_websockets = True
    blocked = phone()
    polled = []
    blocked.on("request", lambda r: polled.append(r.url) if "transport=polling" in r.url else None)
    join(blocked, through(server, proxy), "Behind a proxy")
    assert polled, "the phone never tried long-polling"
    blocked.fill("#post-form textarea", "Posted over long-polling")
    blocked.locator("#post-form button[type=submit]").click()
    direct.locator("article.item", has_text="Posted over long-polling").wait_for()
