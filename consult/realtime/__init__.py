"""Socket.IO transport: the /live namespace. Handlers authenticate, call a service, and ack."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from consult.extensions import socketio
from consult.realtime.channels import staff_channel, workshop_channel
from consult.realtime.live import LiveNamespace
from consult.services import events

COUNTS_INTERVAL = 0.5  # seconds: participant counts reach the staff's screens at most twice a second


class CountsCoalescer:
    """Participant counts for the staff's screens, the latest of each workshop, at most once per interval.

    At the start of a workshop the whole hall scans the QR code at once: one message per join would be hundreds a
    second. The first change goes out at once (a quiet room sees its count move without delay); the ones that follow
    within the interval are folded into a single message at its end, carrying the counts of the latest event.
    Each process folds what its own commits produce; with several processes behind a queue, each sends its own.
    """

    def __init__(self, send, interval: float = COUNTS_INTERVAL) -> None:
        self.send = send
        self.interval = interval
        self.lock = threading.Lock()
        self.latest: dict[int, tuple[int, Any]] = {}  # workshop id -> (staff seq, counts) not yet sent
        self.sent_at: dict[int, float] = {}
        self.waiting: set[int] = set()  # workshops with a send scheduled at the interval's end

    def offer(self, workshop_id: int, seq: int, counts: Any) -> None:
        with self.lock:
            held = self.latest.get(workshop_id)
            if held is None or held[0] < seq:  # commits may reach here out of order: the latest seq wins
                self.latest[workshop_id] = (seq, counts)
            if workshop_id in self.waiting:
                return
            wait = self.sent_at.get(workshop_id, float("-inf")) + self.interval - time.monotonic()
            if wait > 0:
                self.waiting.add(workshop_id)
        if wait > 0:
            socketio.start_background_task(self._later, workshop_id, wait)
        else:
            self._flush(workshop_id)

    def _later(self, workshop_id: int, wait: float) -> None:
        socketio.sleep(wait)
        with self.lock:
            self.waiting.discard(workshop_id)
        self._flush(workshop_id)

    def _flush(self, workshop_id: int) -> None:
        with self.lock:
            held = self.latest.pop(workshop_id, None)
            if held is None:
                return
            self.sent_at[workshop_id] = time.monotonic()
        self.send(workshop_id, held[1])


def _send_counts(workshop_id: int, counts: Any) -> None:
    socketio.emit("counts", {"counts": counts}, to=staff_channel(workshop_id), namespace="/live")


counts = CountsCoalescer(_send_counts)


def broadcast(workshop_id: int, message: dict, stream: str) -> None:
    if stream == "public":
        socketio.emit("event", message, to=workshop_channel(workshop_id), namespace="/live")
    elif message["type"].startswith("participant."):
        # Joins and seats stay in the staff log (a control panel's sync reads them); live, only their counts travel.
        counts.offer(workshop_id, message["seq"], message["data"]["counts"])
    else:
        socketio.emit("staff_event", message, to=staff_channel(workshop_id), namespace="/live")


def init_app(app: Flask) -> None:
    socketio.on_namespace(LiveNamespace("/live"))
    events.subscribe(broadcast)
