"""What the live core costs per post: the app against a minimal Flask-SocketIO server, in the same run.

Starts two servers one after the other, each one gevent process on loopback: (a) the app (`python app.py` of a
checkout, fresh SQLite with the demo workshop, its SQL statements counted by an engine event), and (b)
bench/minimal_server.py, which speaks the same frames with no database. Against each, bench/live_load.py's raw
phones join (the join storm's time is printed), then post at each rate of --rates, one fresh set of phones per rate.
Per rate and server it prints: server CPU ms per post (process CPU time over the run / posts), SQL statements per
post (app only), achieved posts/s, delivery p95, and the bytes of one item.created frame.

    .venv/bin/python bench/core_cost.py                                # 200 phones, rates 20,40,60
    .venv/bin/python bench/core_cost.py --root ../other-checkout       # the app of another checkout (before/after)
    .venv/bin/python bench/core_cost.py --clients 200 --rates 40 --storm 500 --json

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import requests  # noqa: E402

from bench import live_load  # noqa: E402
from bench.live_load import ProcSampler, join_phone  # noqa: E402
from tests.liveserver import LOOPBACK_LIMITS, free_port  # noqa: E402

# Runs a checkout's app.py with every SQL statement counted; SIGUSR1 writes the count to STATEMENT_COUNT_FILE.
COUNTED_APP = """
import os, runpy, signal, sys
from gevent import monkey
monkey.patch_all()
import gevent
from sqlalchemy import event
from sqlalchemy.engine import Engine
count = [0]
event.listen(Engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
def dump():
    path = os.environ["STATEMENT_COUNT_FILE"]
    with open(path + ".tmp", "w") as f:
        f.write(str(count[0]))
    os.replace(path + ".tmp", path)
gevent.signal_handler(signal.SIGUSR1, dump)
sys.path.insert(0, os.getcwd())
sys.argv = ["app.py"]
runpy.run_path("app.py", run_name="__main__")
"""


class Server:
    def __init__(self, name: str, process: subprocess.Popen, url: str, code: str, count_file: Path | None):
        self.name, self.process, self.url, self.code, self.count_file = name, process, url, code, count_file

    def statements(self) -> int | None:
        if self.count_file is None:
            return None
        self.count_file.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.count_file.exists():
                return int(self.count_file.read_text())
            time.sleep(0.02)
        raise RuntimeError("the app did not report its statement count")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url + "/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def start_app(root: Path, folder: Path) -> Server:
    env = {
        **os.environ,
        **LOOPBACK_LIMITS,
        "DATABASE_URL": f"sqlite:///{folder / 'core.sqlite'}",
        "FLASK_CONFIG": "development",
        "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:12]}",
        "CONSULT_ASYNC_MODE": "gevent",
        "HOST": "127.0.0.1",
        "STATEMENT_COUNT_FILE": str(folder / "statements"),
    }
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, check=True, capture_output=True, timeout=120)
    out = subprocess.run([*flask, "demo"], cwd=root, env=env, check=True, capture_output=True, text=True).stdout
    code = out.split("join code: ", 1)[1].split()[0]
    port = free_port()
    log = folder / "app.log"
    with log.open("w") as f:
        process = subprocess.Popen(
            [sys.executable, "-c", COUNTED_APP], cwd=root, env={**env, "PORT": str(port)}, stdout=f, stderr=f
        )
    url = f"http://127.0.0.1:{port}"
    wait_up(process, url, log)
    return Server("app", process, url, code, folder / "statements")


def start_minimal(folder: Path, ascii_frames: bool) -> Server:
    port = free_port()
    log = folder / "minimal.log"
    command = [sys.executable, str(ROOT / "bench" / "minimal_server.py"), "--port", str(port)]
    with log.open("w") as f:
        process = subprocess.Popen([*command, *(["--ascii"] if ascii_frames else [])], stdout=f, stderr=f)
    url = f"http://127.0.0.1:{port}"
    wait_up(process, url, log)
    return Server("minimal", process, url, "MINIMAL", None)


class CpuSampler(ProcSampler):
    """ProcSampler that also reads the statement count where measure() reads the CPU: as posting starts and ends."""

    def __init__(self, server: Server):
        super().__init__(server.process.pid)
        self.server = server
        self.readings: list[tuple[float, int | None]] = []

    def cpu_seconds(self) -> float | None:
        value = super().cpu_seconds()
        self.readings.append((value, self.server.statements()))
        return value


async def frame_bytes(url: str, code: str) -> int:
    """The size of one item.created frame as it leaves the server (a problem in Arabic, as in live_load)."""
    async with aiohttp.ClientSession() as http:
        phone = await join_phone(http, url, code, 0, argparse.Namespace(client="raw"))
        phone.reader.cancel()  # read the frames here, as text
        await asyncio.wait([phone.reader])
        ws = phone.ws
        try:
            text = f"{live_load.TEXTS['problem']} #0"
            data = {"client_id": str(uuid.uuid4()), "group_id": phone.group_id, "kind": "problem", "text": text}
            await ws.send_str("42/live,1" + json.dumps(["post", data], separators=(",", ":")))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                message = await ws.receive_str(timeout=10)
                if message.startswith('42/live,["event"') and '"item.created"' in message:
                    return len(message.encode())
        finally:
            await ws.close()
    raise RuntimeError("no item.created frame")


async def storm(url: str, code: str, phones: int, concurrency: int) -> float:
    """Seconds until `phones` phones have all joined, connected and taken a group, `concurrency` at a time."""
    limit = asyncio.Semaphore(concurrency)
    args = argparse.Namespace(client="raw")
    joined = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def one(i: int) -> None:
            async with limit:
                joined.append(await join_phone(http, url, code, i, args))

        started = time.perf_counter()
        try:
            await asyncio.gather(*(one(i) for i in range(phones)))
            return time.perf_counter() - started
        finally:
            await asyncio.gather(*(p.disconnect() for p in joined), return_exceptions=True)


async def late_arrivals(url: str, code: str, present: int, items: int, arrivals: int, concurrency: int) -> dict:
    """A workshop already under way (present phones connected, items posted), then arrivals phones all at once.

    Returns the seconds until every arrival has joined, connected and received its group's items (join_group's
    reply), and how many items those replies carried in all.
    """
    args = argparse.Namespace(client="raw")
    phones = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        try:
            limit = asyncio.Semaphore(50)

            async def take_seat(i: int) -> None:
                async with limit:
                    phones.append(await join_phone(http, url, code, i, args))

            await asyncio.gather(*(take_seat(i) for i in range(present)))
            posting = asyncio.Semaphore(20)

            async def post(k: int) -> None:
                phone = phones[k % present]
                data = {"client_id": str(uuid.uuid4()), "group_id": phone.group_id, "kind": "problem"}
                async with posting:
                    ack = await phone.call("post", {**data, "text": f"{live_load.TEXTS['problem']} #{k}"}, timeout=30)
                if not ack.get("ok"):
                    raise RuntimeError(f"post refused: {ack}")

            await asyncio.gather(*(post(k) for k in range(items)))
            limit = asyncio.Semaphore(concurrency)
            carried = []

            async def arrive(i: int) -> None:
                async with limit:
                    phone = await join_phone(http, url, code, present + i, args)
                    phones.append(phone)
                    carried.append(phone.items_on_join)

            started = time.perf_counter()
            await asyncio.gather(*(arrive(i) for i in range(arrivals)))
            return {"seconds": round(time.perf_counter() - started, 2), "items_received": sum(carried)}
        finally:
            await asyncio.gather(*(p.disconnect() for p in phones), return_exceptions=True)


def step(server: Server, args, rate: float) -> dict:
    live_load.connected.clear()
    run_args = argparse.Namespace(
        clients=args.clients,
        posts_per_client=args.posts_per_client,
        rate=rate,
        duration=120.0,
        drain=20.0,
        client="raw",
        connect_concurrency=args.connect_concurrency,
    )
    sampler = CpuSampler(server)
    report = asyncio.run(live_load.run(run_args, server.url, server.code, sampler))
    (cpu0, statements0), (cpu1, statements1) = sampler.readings[-2:]
    posts = report["posts_ok"]
    return {
        "server": server.name,
        "rate": rate,
        "posts": posts,
        "cpu_ms_per_post": round(1000 * (cpu1 - cpu0) / max(posts, 1), 2),
        "statements": None if statements0 is None else statements1 - statements0,
        "achieved": report["posts_per_second"],
        "p50": report["latency_ms"]["p50"],
        "p95": report["latency_ms"]["p95"],
        "lost": report["lost_deliveries"],
        "connect_seconds": report["connect_seconds"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py is measured")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rates", default="20,40,60", help="posts per second, all phones together, comma separated")
    parser.add_argument("--posts-per-client", type=int, default=4)
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--storm", type=int, default=0, help="also time this many phones joining at once")
    parser.add_argument("--storm-concurrency", type=int, default=200)
    parser.add_argument(
        "--late", default="", help="present,items,arrivals: e.g. 200,1000,500 phones arriving in a workshop under way"
    )
    parser.add_argument("--servers", default="app,minimal")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    root = args.root.resolve()
    ascii_frames = "ensure_ascii" not in (root / "consult" / "realtime" / "packets.py").read_text()
    folder = Path(tempfile.mkdtemp(prefix="tashawur-core-"))
    results, extras = [], {}
    try:
        for name in args.servers.split(","):
            # A fresh server (and database) for each measure: items of one run must not weigh on the next's joins.
            for task in ["frame", *(["storm"] if args.storm else []), *(["late"] if args.late else []), *rates]:
                sub = folder / f"{name}-{task}"
                sub.mkdir()
                server = start_app(root, sub) if name == "app" else start_minimal(sub, ascii_frames)
                try:
                    if task == "frame":
                        extras[f"{name}_frame_bytes"] = asyncio.run(frame_bytes(server.url, server.code))
                    elif task == "storm":
                        seconds = asyncio.run(storm(server.url, server.code, args.storm, args.storm_concurrency))
                        extras[f"{name}_storm_seconds"] = round(seconds, 2)
                    elif task == "late":
                        present, items, arrivals = (int(n) for n in args.late.split(","))
                        late = asyncio.run(
                            late_arrivals(server.url, server.code, present, items, arrivals, args.storm_concurrency)
                        )
                        extras[f"{name}_late_seconds"] = late["seconds"]
                        extras[f"{name}_late_items_received"] = late["items_received"]
                    else:
                        result = step(server, args, task)
                        results.append(result)
                        print(json.dumps(result), flush=True)
                finally:
                    server.stop()
                log = (sub / f"{name}.log").read_text(errors="replace")
                extras[f"{name}_tracebacks"] = extras.get(f"{name}_tracebacks", 0) + log.count("Traceback")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{args.clients} phones, root {root.name}, frames {'ASCII-escaped' if ascii_frames else 'UTF-8'}")
    print("| server | target posts/s | achieved | CPU ms/post | statements/post | p50 ms | p95 ms | lost | join s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per_post = "" if r["statements"] is None else f"{r['statements'] / max(r['posts'], 1):.1f}"
        print(
            f"| {r['server']} | {r['rate']:g} | {r['achieved']} | {r['cpu_ms_per_post']} | {per_post} | {r['p50']} "
            f"| {r['p95']} | {r['lost']} | {r['connect_seconds']} |"
        )
    print(" ".join(f"{k}={v}" for k, v in extras.items()))
    if args.json:
        print(json.dumps({"results": results, **extras}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
