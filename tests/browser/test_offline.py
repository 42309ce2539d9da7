"""A phone on a bad link, in Chromium: a link that stays open but carries nothing, and a reload in a dead hall.

The phone reaches the server through a small TCP proxy written here, which can hold the link (stop forwarding
without closing either socket, as venue Wi-Fi does) or cut it (refuse and close, as a dead access point does).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import socket
import sqlite3
import threading
import time
import uuid

import pytest

from tests.browser.conftest import shot
from tests.liveserver import LiveServer, start_server

pytestmark = pytest.mark.browser

# Short Engine.IO pings so that a dead link shows in seconds (production: 10 s + 10 s, see config.py).
PING = {"SOCKETIO_PING_INTERVAL": "2", "SOCKETIO_PING_TIMEOUT": "2"}


class LinkProxy:
    """Forwards bytes between the phone and the server on a port of its own.

    hold(): nothing goes through any more, in either direction, but no socket is closed (a silent link).
    cut(): every connection is closed and new ones are closed at once (no link at all).
    release(): bytes flow again; what was sent during a hold goes through then, as TCP would deliver it.
    """

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.refusing = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                phone, _addr = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                phone.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [phone, server]
            threading.Thread(target=self._pipe, args=(phone, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, phone), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                self.flowing.wait()
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()  # bytes read just as the hold began wait for the release too
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def hold(self) -> None:
        self.flowing.clear()

    def release(self) -> None:
        self.refusing = False
        self.flowing.set()

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def close(self) -> None:
        self.release()
        self.listener.close()
        self.cut()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("offline"), extra_env=PING)
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
