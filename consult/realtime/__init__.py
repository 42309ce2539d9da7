"""Socket.IO transport: the /live namespace. Handlers authenticate, call a service, and ack."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

from consult.extensions import db, socketio
from consult.payloads import participation_counts
from consult.realtime.channels import staff_channel, workshop_channel
from consult.realtime.live import LiveNamespace
from consult.services import events

log = logging.getLogger(__name__)
COUNTS_INTERVAL = 0.5  # seconds: participant counts reach the staff's screens at most twice a second


class CountsCoalescer:
    """Participant counts for the staff's screens, read afresh for each workshop at most once per interval.

    At the start of a workshop the whole hall scans the QR code at once: one message (and one count) per join would be
    hundreds a second. A join or a seat only marks its workshop; a background task reads the counts and sends them,
    at once if the last send is older than the interval, else at the interval's end. The read starts after every commit
    that marked it: the message carries them all. With several processes behind a queue, each sends for its own joins.
    """

    def __init__(self, send: Callable[[Flask, int], None], interval: float = COUNTS_INTERVAL) -> None:
        self.send = send
        self.interval = interval
        self.lock = threading.Lock()
        self.sent_at: dict[int, float] = {}
        self.waiting: set[int] = set()  # workshops with a send scheduled
        self.running = 0  # sends scheduled or under way
        self.hurry = threading.Event()  # set by drain(): scheduled sends go at once

    def offer(self, app: Flask, workshop_id: int) -> None:
        with self.lock:
            if workshop_id in self.waiting:
                return
            self.waiting.add(workshop_id)
            self.running += 1
            wait = max(0.0, self.sent_at.get(workshop_id, float("-inf")) + self.interval - time.monotonic())
        # Never from here: the caller is a commit's hook, where the session may not query.
        socketio.start_background_task(self._later, app, workshop_id, wait)

    def _later(self, app: Flask, workshop_id: int, wait: float) -> None:
        self.hurry.wait(wait)  # threading's Event, made cooperative by gevent's or eventlet's patching
        with self.lock:
            self.waiting.discard(workshop_id)
            self.sent_at[workshop_id] = time.monotonic()
        try:
            self.send(app, workshop_id)
        except Exception:  # the database away for a moment: the next join sends the counts again
            log.exception("participant counts of workshop %s not sent", workshop_id)
        finally:
            with self.lock:
                self.running -= 1

    def drain(self, timeout: float = 5.0) -> None:
        """Send what is scheduled now and wait for it: an app about to drop its database (a test's end) calls this."""
        self.hurry.set()
        try:
            deadline = time.monotonic() + timeout
            while self.running and time.monotonic() < deadline:
                time.sleep(0.005)
        finally:
            self.hurry.clear()


def _send_counts(app: Flask, workshop_id: int) -> None:
    with app.app_context():
        try:
            counts = participation_counts(workshop_id)
        finally:
            db.session.remove()
    socketio.emit("counts", {"counts": counts}, to=staff_channel(workshop_id), namespace="/live")


counts = CountsCoalescer(_send_counts)


def broadcast(workshop_id: int, message: dict, stream: str) -> None:
    if stream == "public":
        socketio.emit("event", message, to=workshop_channel(workshop_id), namespace="/live")
    elif message["type"].startswith("participant."):
        # Joins and seats stay in the staff log; live, only the counts travel, folded.
        counts.offer(current_app._get_current_object(), workshop_id)
    else:
        socketio.emit("staff_event", message, to=staff_channel(workshop_id), namespace="/live")


def init_app(app: Flask) -> None:
    socketio.on_namespace(LiveNamespace("/live"))
    events.subscribe(broadcast)
