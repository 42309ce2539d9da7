"""The floor for bench/core_cost.py: a minimal Flask-SocketIO server that speaks the app's live frames, no database.

One gevent process, TCP_NODELAY as in app.py. It answers what bench/live_load.py's phones use: the JSON join
(`POST /api/v1/workshops/<code>/participants`), `/live` connect with `auth: {token}`, `join_group` (no items) and
`post`, which acks `{ok, item, seq}` and broadcasts `event {seq, type: "item.created", data: {item}}` to every phone,
with an item dict of the app's shape. What the app costs above this is its own work: rules, SQL, payloads.

    .venv/bin/python bench/minimal_server.py --port 5055 [--ascii]
"""

from __future__ import annotations

import argparse

from gevent import monkey

monkey.patch_all()

import itertools  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import ConnectionRefusedError, SocketIO, join_room  # noqa: E402
from gevent.pywsgi import WSGIHandler  # noqa: E402

GROUPS = [{"id": 1}, {"id": 2}, {"id": 3}]
CHANNEL = "workshop"


def codec(ascii_frames: bool) -> types.ModuleType:
    """A json module for Socket.IO: the app's frames either escape non-ASCII (\\uXXXX) or send it as UTF-8."""
    module = types.ModuleType("frames")
    module.dumps = lambda obj, *a, **kw: json.dumps(obj, *a, **{"ensure_ascii": ascii_frames, **kw})
    module.loads = json.loads
    return module


def build(ascii_frames: bool) -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="gevent", json=codec(ascii_frames), manage_session=False)
    tokens: dict[str, int] = {}
    ids = itertools.count(1)
    seqs = itertools.count(1)

    @app.get("/")
    def index():
        return "minimal"

    @app.post("/api/v1/workshops/<code>/participants")
    def join(code: str):
        participant_id = next(ids)
        token = secrets.token_urlsafe(32)
        tokens[token] = participant_id
        return {"token": token, "participant": {"id": participant_id}, "groups": GROUPS}, 201

    @socketio.on("connect", namespace="/live")
    def connect(auth=None):
        if not isinstance(auth, dict) or auth.get("token") not in tokens:
            raise ConnectionRefusedError({"code": "forbidden"})
        join_room(CHANNEL)

    @socketio.on("join_group", namespace="/live")
    def join_group(data):
        return {"ok": True, "seq": 0, "group_id": data.get("group_id"), "items": []}

    @socketio.on("post", namespace="/live")
    def post(data):
        seq = next(seqs)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        item = {
            "id": seq,
            "group_id": data.get("group_id"),
            "kind": data.get("kind"),
            "parent_id": data.get("parent_id"),
            "text": data.get("text"),
            "status": "visible",
            "author_id": 1,
            "author_name": None,
            "author_ids": [1],
            "merged_ids": [],
            "by_scribe": False,
            "pinned": False,
            "edited": False,
            "votes": 0,
            "decision": None,
            "merged_into_id": None,
            "recommendation_ids": [],
            "reason": None,
            "created_at": now,
            "seq": seq,
        }
        socketio.emit(
            "event", {"seq": seq, "type": "item.created", "data": {"item": item}}, to=CHANNEL, namespace="/live"
        )
        return {"ok": True, "item": item, "seq": seq}

    return app, socketio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--ascii", action="store_true", help="escape non-ASCII in frames, as json.dumps does by default"
    )
    args = parser.parse_args()
    app, socketio = build(args.ascii)

    class Handler(WSGIHandler):
        def __init__(self, sock, *a, **kw):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().__init__(sock, *a, **kw)

        def run_application(self):
            super().run_application()
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True

    print(f"minimal server on http://127.0.0.1:{args.port}", flush=True)
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False, handler_class=Handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
