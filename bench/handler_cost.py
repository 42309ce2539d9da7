"""The app's own CPU per post and per phone joining, in process: no network, no deliveries to other phones.

bench/core_cost.py measures the server as phones meet it: its CPU per post includes the frames sent to every phone,
which the minimal server pays too. This bench measures what only the app pays: the handler, its rules, its SQL, its
payloads and its unit of work, through Flask-SocketIO's test client on a fresh SQLite file per round. Only the
calls into the app are timed (process CPU, getrusage), not the test clients' own set-up.

- posts: N posts, 10 per phone (the service keeps 20 a minute), each phone alone in the room so that no delivery is
  counted;
- joins: N phones joining an empty workshop as a phone does, timed in three parts: the HTTP join, the socket
  connect, join_group (first, before the posts' 200 test clients weigh on the process).

    .venv/bin/python bench/handler_cost.py                      # 2,000 posts and 500 joins, 3 rounds, medians
    .venv/bin/python bench/handler_cost.py --posts 1000 --joins 0 --rounds 5 --root ../before-checkout

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout(root: Path) -> None:
    """Measure the app of root (this checkout by default): its consult and tests packages come first on the path."""
    sys.path.insert(0, str(root.resolve()))
    global db, socketio, event, realtime, build_app, make_facilitator, make_participant, make_workshop
    from sqlalchemy import event

    from consult import realtime
    from consult.extensions import db, socketio
    from tests.conftest import build_app, make_facilitator, make_participant, make_workshop


NS = "/live"
TEXT = "غياب الإنارة العمومية في الحي"


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """CPU seconds and SQL statements spent inside the calls it times, per label."""

    def __init__(self, app) -> None:
        self.seconds: dict[str, float] = {}
        self.statements = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.statements += 1

    def time(self, label: str, call, *args, **kwargs):
        started = cpu()
        try:
            return call(*args, **kwargs)
        finally:
            self.seconds[label] = self.seconds.get(label, 0.0) + cpu() - started


def one_round(posts: int, joins: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="tashawur-handler-"))
    app = build_app(
        f"sqlite:///{folder / 'handler.sqlite'}",
        RATELIMIT_POST_ADDRESS="1000000 per minute",
        RATELIMIT_JOIN="1000000 per minute",
    )
    with app.app_context():
        db.create_all()
        facilitator = make_facilitator()
        # Two workshops: the joins' phones must not find the posts' items in their join_group replies.
        posting, joining = make_workshop(facilitator), make_workshop(facilitator, title="ورشة الانضمام")
        code, groups = joining.code, [g.id for g in joining.groups]
        seated = [
            (p.group_id, token) for p, token in (make_participant(posting, i % 3) for i in range(posts // 10 + 1))
        ]
        db.session.remove()
    meter = Meter(app)
    result: dict = {}
    if joins:
        http = app.test_client()
        meter.statements = 0
        for k in range(joins):
            url = f"/api/v1/workshops/{code}/participants"
            response = meter.time("join", http.post, url, json={"consent": True})
            if response.status_code != 201:
                raise RuntimeError(f"join refused: {response.status_code}")
            auth = {"token": response.get_json()["token"]}
            phone = meter.time("connect", socketio.test_client, app, namespace=NS, auth=auth)
            ack = meter.time(
                "join_group", phone.emit, "join_group", {"group_id": groups[k % 3]}, namespace=NS, callback=True
            )
            if not ack.get("ok"):
                raise RuntimeError(f"join_group refused: {ack}")
            phone.disconnect(NS)
        for label in ("join", "connect", "join_group"):
            result[f"{label}_ms"] = 1000 * meter.seconds[label] / joins
        result["phone_ms"] = sum(result[f"{label}_ms"] for label in ("join", "connect", "join_group"))
        result["phone_statements"] = meter.statements / joins
    if posts:
        meter.statements = 0
        phone = None
        for k in range(posts):
            group_id, token = seated[k // 10]
            if k % 10 == 0:
                phone = socketio.test_client(app, namespace=NS, auth={"token": token})
            data = {"client_id": f"c{k}", "group_id": group_id, "kind": "problem", "text": f"{TEXT} {k}"}
            ack = meter.time("post", phone.emit, "post", data, namespace=NS, callback=True)
            if not ack.get("ok"):
                raise RuntimeError(f"post refused: {ack}")
            if k % 10 == 9:
                phone.disconnect(NS)
        result["post_ms"] = 1000 * meter.seconds["post"] / posts
        result["post_statements"] = meter.statements / posts
    drain = getattr(realtime.counts, "drain", None)  # the folded counts' last read (not in older checkouts)
    if drain:
        drain()
    with app.app_context():
        db.engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--joins", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app is measured")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    checkout(args.root)
    rounds = [one_round(args.posts, args.joins) for _ in range(args.rounds)]
    medians = {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}
    spread = {key: [round(r[key], 2) for r in rounds] for key in rounds[0]}
    for key, value in medians.items():
        print(f"{key}: {value} (rounds: {', '.join(map(str, spread[key]))})")
    if args.json:
        print(json.dumps(medians))
    return 0


if __name__ == "__main__":
    sys.exit(main())
