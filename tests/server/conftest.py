"""Real `python app.py` servers on loopback ports, and python-socketio clients that play the phones.

The schema and the demo workshop are made once per session (flask db upgrade + flask demo take ~4 s) and each server
gets its own copy of that SQLite file, so that starting one costs only the server's boot.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.liveserver import LiveServer, clone_sqlite, start_server

TIMEOUT = 10  # seconds, for every single call: nothing in these tests may hang


@pytest.fixture
def start(tmp_path_factory, prepared_db) -> Iterator[Callable[..., LiveServer]]:
    """start(async_mode="gevent") -> a fresh server on its own copy of the demo database; stopped at teardown."""
    servers: list[LiveServer] = []

    def _start(async_mode: str = "gevent") -> LiveServer:
        folder = tmp_path_factory.mktemp(f"server-{async_mode}")
        server = start_server(folder, async_mode=async_mode, prepared=clone_sqlite(prepared_db, folder / "live.sqlite"))
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, prepared_db) -> Iterator[LiveServer]:
    """One gevent server for a module's tests, each of which checks only the log lines it added."""
    folder = tmp_path_factory.mktemp("shared-server")
    server = start_server(folder, prepared=clone_sqlite(prepared_db, folder / "live.sqlite"))
    yield server
    server.stop()


class Phone:
    """A participant's phone: joined through the API, connected over WebSocket, recording every event it receives."""

    def __init__(self, server: LiveServer, code: str | None = None, **details: Any):
        self.server = server
        self.code = code or server.code
        joined = requests.post(
            f"{server.url}/api/v1/workshops/{self.code}/participants",
            json={"consent": True, **details},
            timeout=TIMEOUT,
        )
        assert joined.status_code == 201, joined.text
        body = joined.json()
        self.token: str = body["token"]
        self.participant_id: int = body["participant"]["id"]
        self.groups: list[dict] = body["groups"]
        self.group_id: int | None = None
        self.events: list[dict] = []
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._on_event, namespace="/live")

    def _on_event(self, message: dict) -> None:
        with self._lock:
            self.events.append(message)

    def received(self) -> list[dict]:
        with self._lock:
            return list(self.events)

    def connect(self) -> Phone:
        self.sio.connect(
            self.server.url,
            namespaces=["/live"],
            auth={"token": self.token},
            transports=["websocket"],
            wait_timeout=TIMEOUT,
        )
        return self

    def call(self, event: str, data: Any = None) -> Any:
        return self.sio.call(event, data, namespace="/live", timeout=TIMEOUT)

    def join(self, index: int) -> Phone:
        group_id = self.groups[index % len(self.groups)]["id"]
        ack = self.call("join_group", {"group_id": group_id})
        assert ack["ok"], ack
        self.group_id = group_id
        return self

    def post(self, kind: str, text: str, parent_id: int | None = None, group_id: int | None = None) -> dict:
        data = {"client_id": str(uuid.uuid4()), "group_id": group_id or self.group_id, "kind": kind, "text": text}
        if parent_id is not None:
            data["parent_id"] = parent_id
        return self.call("post", data)

    def item_ids(self) -> set[int]:
        return {e["data"]["item"]["id"] for e in self.received() if e["type"] == "item.created"}

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already dropped by the server: nothing to close
            self.sio.disconnect()


@pytest.fixture
def phones() -> Iterator[Callable[..., Phone]]:
    """phone(server, code=None) -> a connected Phone; all are disconnected at teardown."""
    made: list[Phone] = []

    def _phone(server: LiveServer, code: str | None = None, **details: Any) -> Phone:
        phone = Phone(server, code, **details)
        made.append(phone)
        return phone.connect()

    yield _phone
    for phone in made:
        phone.close()


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def assert_gap_free(seqs: list[int]) -> None:
    """One client's stream: no duplicates, and exactly the consecutive range from its first to its last seq."""
    assert seqs, "no event received"
    assert len(seqs) == len(set(seqs)), f"duplicate seq: {sorted(seqs)}"
    assert set(seqs) == set(range(min(seqs), max(seqs) + 1)), f"gap in seq: {sorted(seqs)}"


def assert_clean_log(text: str) -> None:
    assert "Traceback" not in text, text[-4000:]
