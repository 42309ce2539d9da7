"""The shipped nginx configuration (deploy/nginx/tashawur.conf) in front of two server processes on PostgreSQL and
Redis: sticky Socket.IO, the public page cached, cookies never cached, the client's address forwarded.

Phones and readers reach nginx from several loopback addresses (127.0.0.0/8 is all local on Linux), so that ip_hash
sends them to either process and the throttles can tell them apart.
"""

import re
import time
import uuid

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.nginx import NGINX_SKIP, nginx_binary, start_nginx

pytestmark = [
    pytest.mark.server,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(nginx_binary() is None, reason=NGINX_SKIP),
]
WRONG_CODES = 3


@pytest.fixture(scope="module")
def server_env():
    # One proxy in front, as docs/DEPLOY.md says; gevent's access log, to count what reached each process; few wrong
    # codes per address, so that the throttle shows which address the app believed.
    return {"TRUSTED_PROXIES": "1", "ACCESS_LOG": "1", "RATELIMIT_WRONG_CODE": f"{WRONG_CODES} per 10 minutes"}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, two_servers):
    """nginx with the shipped site in front of the two processes, for the module's tests; the second one is also the
    pages process (/p/)."""
    folder = tmp_path_factory.mktemp("nginx")
    addresses = [server.url.removeprefix("http://") for server in two_servers]
    nginx = start_nginx(folder, addresses, pages=addresses[1:])
    try:
        yield nginx, two_servers
    finally:
        nginx.stop()
    assert "[emerg]" not in nginx.error_log() and "[crit]" not in nginx.error_log(), nginx.error_log()
    assert all(server.alive() for server in two_servers)
    assert "Traceback" not in "".join(server.log() for server in two_servers)


class SourceAddress(HTTPAdapter):
    """Connections from this loopback address, as a phone behind another public address would come."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddress(address))
    return session


def logged(nginx, *words: str) -> str:
    """nginx's access log line holding all these words: it logs a request just after answering it (a WebSocket once
    it closes)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in nginx.access_log():
            if all(word in line for word in words):
                return line
        time.sleep(0.02)
    raise AssertionError(f"no access log line with {words}:\n" + "\n".join(nginx.access_log()[-20:]))


def upstream_of(nginx, address: str) -> str:
    """The app process nginx sends this client address to."""
    probe = uuid.uuid4().hex
    assert session_from(address).get(f"{nginx.url}/?probe={probe}", timeout=10).status_code == 200
    return re.search(r"upstream=(\S+)", logged(nginx, probe)).group(1)


def phone(nginx, code: str, address: str, transports: list[str]):
    """A participant joined through nginx from address, its socket connected and in the first group."""
    http = session_from(address)
    joined = http.post(f"{nginx.url}/api/v1/workshops/{code}/participants", json={"consent": True}, timeout=10)
    assert joined.status_code == 201, joined.text
    body = joined.json()
    received = []
    sio = socketio.Client(reconnection=False, http_session=http)
    sio.on("event", received.append, namespace="/live")
    sio.connect(nginx.url, namespaces=["/live"], auth={"token": body["token"]}, transports=transports, wait_timeout=10)
    group = body["groups"][0]["id"]
    assert sio.call("join_group", {"group_id": group}, namespace="/live", timeout=10)["ok"]
    return sio, group, received


def post(sio, group: int, text: str) -> int:
    data = {"client_id": str(uuid.uuid4()), "group_id": group, "kind": "problem", "text": text}
    ack = sio.call("post", data, namespace="/live", timeout=10)
    assert ack["ok"], ack
    return ack["item"]["id"]


def wait_for_item(received: list, item_id: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(e["type"] == "item.created" and e["data"]["item"]["id"] == item_id for e in received):
            return
        time.sleep(0.05)
    raise AssertionError(f"item {item_id} never arrived: {[e['type'] for e in received]}")


def test_phones_on_the_two_processes_talk_through_nginx(proxied):
    nginx, servers = proxied
    first_address = "127.0.0.1"
    first_upstream = upstream_of(nginx, first_address)
    # ip_hash keys on an IPv4 address's first three bytes: another /24 that lands on the other process.
    second_address = next(a for a in (f"127.0.{k}.1" for k in range(1, 30)) if upstream_of(nginx, a) != first_upstream)
    second_upstream = upstream_of(nginx, second_address)
    code = servers[0].code
    upgraded, upgraded_group, upgraded_got = phone(nginx, code, first_address, ["polling", "websocket"])
    polling, polling_group, polling_got = phone(nginx, code, second_address, ["polling"])
    try:
        assert upgraded.transport() == "websocket" and polling.transport() == "polling"
        mine = post(upgraded, upgraded_group, "الماء الصالح للشرب في الدوار")
        wait_for_item(polling_got, mine)
        theirs = post(polling, polling_group, "La route de l'école après la pluie")
        wait_for_item(upgraded_got, theirs)
        time.sleep(1)  # a few more long polls
    finally:
        upgraded_sid, polling_sid = upgraded.eio.sid, polling.eio.sid
        upgraded.disconnect()
        polling.disconnect()
    upgrade = logged(nginx, f"sid={upgraded_sid}", "transport=websocket")
    assert " 101 " in upgrade, upgrade
    log = nginx.access_log()
    for sid, upstream in ((upgraded_sid, first_upstream), (polling_sid, second_upstream)):
        lines = [line for line in log if f"sid={sid}" in line]
        # Sticky: every request of one socket (long polls, posts, the upgrade) reached the same process.
        assert lines and {re.search(r"upstream=(\S+)", line).group(1) for line in lines} == {upstream}, lines
        assert all(" 400 " not in line for line in lines), lines  # "session unknown" on the wrong process
    assert sum(f"sid={polling_sid}" in line for line in log) >= 4  # open, connect, join, post, long polls


def test_the_public_page_is_cached_and_what_sets_a_cookie_is_not(proxied):
    nginx, servers = proxied
    path = servers[0].public_path
    assert path.startswith("/p/")
    reader = requests.Session()
    marks = [server.log_size() for server in servers]

    def app_requests(target: str, expected: int) -> int:
        """How many GETs of target the two processes logged (gevent logs just after answering: wait for expected)."""
        deadline = time.monotonic() + 5
        while True:
            count = sum(s.log_since(m).count(f'"GET {target} HTTP/1.1"') for s, m in zip(servers, marks, strict=True))
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.05)

    first = reader.get(nginx.url + path, timeout=30)
    assert first.status_code == 200 and first.headers["X-Cache-Status"] == "MISS"
    assert "Set-Cookie" not in first.headers and first.headers["Cache-Control"] == "public, max-age=60"
    again = reader.get(nginx.url + path, timeout=10)
    assert again.status_code == 200 and again.headers["X-Cache-Status"] == "HIT"
    assert again.headers["ETag"] == first.headers["ETag"] and again.content == first.content
    # A reader that has the page already: nginx answers 304 from its cache.
    known = reader.get(nginx.url + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert known.status_code == 304 and known.headers["X-Cache-Status"] == "HIT"
    assert app_requests(path, 1) == 1

    # The login page (a session cookie for its CSRF token) is outside /p/: passed through, never cached.
    for _ in range(2):
        login = requests.get(f"{nginx.url}/login", timeout=10)
        assert login.status_code == 200 and "Set-Cookie" in login.headers
        assert "X-Cache-Status" not in login.headers
    assert app_requests("/login", 2) == 2
    # The consultation's citizen page is under /p/ but private and sets a cookie: passed to the app every time.
    consultation = f"{path}/consultation"
    for _ in range(2):
        page = requests.get(nginx.url + consultation, timeout=10)
        assert page.status_code == 200 and "Set-Cookie" in page.headers
        # Not even looked up in the cache: readers arriving together never wait on its lock.
        assert "X-Cache-Status" not in page.headers, page.headers
    assert app_requests(consultation, 2) == 2
    # Every /p/ request that reached an app process (a HIT reaches none: "-") went to the pages process.
    pages = servers[1].url.removeprefix("http://")
    upstreams = {re.search(r"upstream=(\S+)", line).group(1) for line in nginx.access_log() if '"GET /p/' in line}
    assert upstreams == {pages, "-"}, upstreams


def test_the_app_counts_the_address_nginx_forwards(proxied):
    nginx, servers = proxied
    wrong = f"{nginx.url}/api/v1/workshops/ZZZZZZ"
    knocker = session_from("127.0.0.2")
    for _ in range(WRONG_CODES):
        assert knocker.get(wrong, timeout=10).status_code == 404
    assert knocker.get(wrong, timeout=10).status_code == 429
    # A forged X-Forwarded-For changes nothing: nginx appends the address it saw, the only one the app believes.
    assert knocker.get(wrong, headers={"X-Forwarded-For": "10.9.8.7"}, timeout=10).status_code == 429
    # Another client through the same nginx (so from the same peer address for the app) is not throttled.
    assert session_from("127.0.0.3").get(wrong, timeout=10).status_code == 404
    # Straight to an app process, the peer is 127.0.0.1 and not forwarded: its own count, untouched.
    assert requests.get(f"{servers[1].url}/api/v1/workshops/ZZZZZZ", timeout=10).status_code == 404
