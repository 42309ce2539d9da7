"""Does building a report stall the live workshop? The longest socket round trip while a big PDF is built.

A real `python app.py` (gevent by default) serves a SQLite workshop filled with --items items (bench/report_build.py's
filler). A python-socketio phone calls `state`-free `sync` in a tight loop and records every round trip; meanwhile the
facilitator downloads the report through /reports/<code>/download. Printed: round trips before and during the build
(p50/p99/max), the download's wall time and size.

    .venv/bin/python bench/report_stall.py --items 2000 --format pdf
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_build import fill  # noqa: E402
from config import TestingConfig  # noqa: E402
from consult import create_app  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.services import unit_of_work  # noqa: E402
from consult.services.participants import choose_group, join_workshop  # noqa: E402
from tests.liveserver import csrf_token, flask_cli, start_server  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--format", default="pdf")
    parser.add_argument("--async-mode", default="gevent", choices=["gevent", "eventlet"])
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds of round trips before the download")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/stall.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "FLASK_CONFIG": "development"}
        flask_cli(env, "db", "upgrade")
        app = create_app(type("Fill", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            workshop = fill(args.items)
            code = workshop.code
            with unit_of_work():
                phone, token = join_workshop(workshop, consent=True)
                choose_group(phone, workshop.groups[0].id)
            db.session.remove()
        print(f"workshop {code} filled with {args.items} items", flush=True)
        server = start_server(Path(folder), async_mode=args.async_mode, prepared=(env, code, "bench@example.ma", "x"))
        try:
            http = requests.Session()
            form = http.get(f"{server.url}/login", timeout=10)
            http.post(
                f"{server.url}/login",
                data={"email": "bench@example.ma", "password": "x", "csrf_token": csrf_token(form.text)},
                timeout=10,
            )
            sio = socketio.Client()
            sio.connect(server.url, namespaces=["/live"], auth={"token": token}, transports=["websocket"])
            samples: list[tuple[float, float]] = []  # (start time, round trip)
            stop = threading.Event()

            def ping() -> None:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    sio.call("sync", {"since": 10**9}, namespace="/live", timeout=30)
                    samples.append((t0, time.perf_counter() - t0))

            pinger = threading.Thread(target=ping)
            pinger.start()
            time.sleep(args.baseline)
            t_start = time.perf_counter()
            response = http.get(
                f"{server.url}/reports/{code}/download?format={args.format}&lang=ar&public=1", timeout=600
            )
            t_end = time.perf_counter()
            time.sleep(1)
            stop.set()
            pinger.join()
            sio.disconnect()
            before = [rt * 1000 for t, rt in samples if t < t_start]
            during = [rt * 1000 for t, rt in samples if t_start <= t <= t_end]
            print(
                f"download {args.format}: HTTP {response.status_code}, {len(response.content):,} bytes, {t_end - t_start:.2f} s"
            )
            for name, values in (("before", before), ("during", during)):
                if values:
                    print(
                        f"socket round trip {name:>6}: n={len(values)} p50 {statistics.median(values):.1f} ms "
                        f"p99 {percentile(values, 0.99):.1f} ms max {max(values):.1f} ms, "
                        f"over 50 ms: {sum(v > 50 for v in values)}"
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
