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
    hundreds a second. A join or a seat only marks its workshop. One background task per workshop then reads the counts
    and sends them, at once if its last send is older than the interval, else at the interval's end, and goes round
    again while joins came in during its read (or the read failed, a few times in a row). So the last message is read
    after the last join, and a process never sends an older count after a newer one. With several processes behind a
    queue, each sends for its own joins.
    """

    RETRIES = 3  # reads that may fail in a row (the pool busy in a storm, the database away) before the task gives up

    def __init__(self, send: Callable[[Flask, int], None], interval: float = COUNTS_INTERVAL) -> None:
        self.send = send
        self.interval = interval
        self.lock = threading.Lock()
        self.sent_at: dict[int, float] = {}
        self.active: set[int] = set()  # workshops whose task runs: waiting, reading or sending
        self.again: set[int] = set()  # workshops with joins committed since their task's read began
        self.hurry = threading.Event()  # set by drain(): the tasks stop waiting

    def offer(self, app: Flask, workshop_id: int) -> None:
        with self.lock:
            if workshop_id in self.active:
                self.again.add(workshop_id)
                return
            self.active.add(workshop_id)
        try:  # never read from here: the caller is a commit's hook, where the session may not query
            socketio.start_background_task(self._run, app, workshop_id)
        except Exception:
            with self.lock:
                self.active.discard(workshop_id)
            log.exception("participant counts of workshop %s not scheduled", workshop_id)

    def _run(self, app: Flask, workshop_id: int) -> None:
        failures = 0
        try:
            while True:
                with self.lock:
                    wait = self.sent_at.get(workshop_id, float("-inf")) + self.interval - time.monotonic()
                # threading's Event, made cooperative by gevent's or eventlet's patching
                self.hurry.wait(max(0.0, wait))
                with self.lock:
                    self.again.discard(workshop_id)  # from here on, the read sees every join that marked the workshop
                    self.sent_at[workshop_id] = time.monotonic()
                try:
                    self.send(app, workshop_id)
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("participant counts of workshop %s not sent", workshop_id)
                with self.lock:
                    if workshop_id not in self.again and not 0 < failures < self.RETRIES:
                        self.active.discard(workshop_id)
                        return
        except BaseException:  # a task killed at shutdown: the next join starts another
            with self.lock:
                self.active.discard(workshop_id)
            raise

    def drain(self, timeout: float = 5.0) -> None:
        """Send what is scheduled now, wait for it, and forget the last sends' times: an app about to drop its
        database (a test's end) calls this."""
        self.hurry.set()
        try:
            deadline = time.monotonic() + timeout
            while self.active and time.monotonic() < deadline:
                time.sleep(0.005)
        finally:
            self.hurry.clear()
            with self.lock:
                self.sent_at.clear()


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
