"""Load test of the live path: N phones on one workshop, posts at a controlled rate, delivery latency to every phone.

Each simulated phone joins through the JSON API, connects a Socket.IO WebSocket to /live with its token and joins a
group (round robin over the workshop's groups). Then the bench posts problems and solutions at a fixed total rate,
round robin over the phones, for a bounded number of posts, and records when every phone receives each
item.created event. The send time travels in the post's text ("#<key>"), so a delivery is matched to its post
without waiting for the ack.

All phones live in this one process on one asyncio loop: python-socketio AsyncClients (--client socketio, default)
or the same Socket.IO frames on bare aiohttp WebSockets (--client raw, about half the CPU per delivery). The bench's
own CPU use is printed: near 100 % of a core means the client side, not the server, set the pace.
Method and figures: docs/PERFORMANCE.md.

Only loopback servers: without --url it starts its own `python app.py` (tests/liveserver.py: fresh SQLite file,
the demo workshop) and stops it at the end, and then also reports the server's memory (VmRSS) and CPU.
All phones come from 127.0.0.1, so that server runs with the per-address join and post throttles lifted
(tests/liveserver.py LOOPBACK_LIMITS); start a --url server with the same RATELIMIT_* variables.

    .venv/bin/python bench/live_load.py --clients 200 --posts-per-client 5 --rate 20
    .venv/bin/python bench/live_load.py --async-mode eventlet --client raw --rate 40 --posts-per-client 10
    .venv/bin/python bench/live_load.py --url http://127.0.0.1:5000 --code ABC123 [--server-pid PID]

Needs aiohttp (python-socketio's AsyncClient uses it): pip install aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import aiohttp
    import socketio
except ImportError as missing:  # pragma: no cover
    sys.exit(f"bench/live_load.py needs aiohttp and python-socketio ({missing}): .venv/bin/pip install aiohttp")

LIMITS = {"clients": 2000, "posts": 20_000, "rate": 1000.0, "duration": 600.0}
POSTS_PER_MINUTE = 20  # the server's limit per participant (consult/services/items.py)
KEY = re.compile(r"#(\d+)$")
TEXTS = {
    "problem": "إشكالية: ضعف التواصل بين الجماعة والساكنة حول المشاريع المبرمجة، وغياب نشر المعطيات",
    "solution": "Solution : publier chaque mois l'avancement des projets sur le site de la commune et en affichage",
}


@dataclass
class Phone:
    """One simulated phone: what it received, and how to talk to the server."""

    index: int
    token: str
    group_id: int
    seqs: list[int] = field(default_factory=list)
    received: dict[int, int] = field(default_factory=dict)  # post key -> receipt time (ns)
    duplicates: int = 0
    items_on_join: int = 0  # how many items join_group's reply carried

    def on_event(self, message: dict) -> None:
        now = time.perf_counter_ns()
        self.seqs.append(message["seq"])
        if message["type"] == "item.created":
            found = KEY.search(message["data"]["item"]["text"])
            if found:
                key = int(found.group(1))
                if key in self.received:
                    self.duplicates += 1
                else:
                    self.received[key] = now

    async def connect(self, url: str, http: aiohttp.ClientSession) -> None:
        raise NotImplementedError

    async def call(self, event: str, data: dict, timeout: float) -> dict:
        raise NotImplementedError

    async def disconnect(self) -> None:
        raise NotImplementedError


@dataclass
class SocketIOPhone(Phone):
    """The full python-socketio AsyncClient, as a script would use it."""

    sio: socketio.AsyncClient | None = None

    async def connect(self, url: str, http: aiohttp.ClientSession) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self.on_event, namespace="/live")
        await self.sio.connect(
            url, namespaces=["/live"], auth={"token": self.token}, transports=["websocket"], wait_timeout=30
        )

    async def call(self, event: str, data: dict, timeout: float) -> dict:
        return await self.sio.call(event, data, namespace="/live", timeout=timeout)

    async def disconnect(self) -> None:
        await self.sio.disconnect()


@dataclass
class RawPhone(Phone):
    """Engine.IO 4 / Socket.IO 5 spoken directly over an aiohttp WebSocket: the same frames, a fraction of the CPU.

    Lets one bench process keep up with more deliveries per second than python-socketio's layers allow.
    """

    ws: aiohttp.ClientWebSocketResponse | None = None
    acks: dict[int, asyncio.Future] = field(default_factory=dict)
    next_id: int = 0
    reader: asyncio.Task | None = None

    async def connect(self, url: str, http: aiohttp.ClientSession) -> None:
        ws_url = url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await http.ws_connect(ws_url, autoping=True, max_msg_size=0)
        opened = await self.ws.receive_str(timeout=30)
        if not opened.startswith("0"):
            raise RuntimeError(f"no Engine.IO open: {opened[:80]}")
        await self.ws.send_str("40/live," + json.dumps({"token": self.token}))
        connected = await self.ws.receive_str(timeout=30)
        if not connected.startswith("40/live,"):
            raise RuntimeError(f"/live refused: {connected[:200]}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        ws = self.ws
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            text = msg.data
            if text == "2":  # Engine.IO ping
                await ws.send_str("3")
            elif text.startswith('42/live,["event",'):
                self.on_event(json.loads(text[8:])[1])
            elif text.startswith("43/live,"):
                bracket = text.index("[", 8)
                future = self.acks.pop(int(text[8:bracket]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(text[bracket:])[0])
        for future in self.acks.values():
            if not future.done():
                future.set_exception(ConnectionError("connection closed"))

    async def call(self, event: str, data: dict, timeout: float) -> dict:
        self.next_id += 1
        call_id = self.next_id  # calls overlap on one phone under load: keep this call's own id
        future = asyncio.get_running_loop().create_future()
        self.acks[call_id] = future
        await self.ws.send_str(f"42/live,{call_id}" + json.dumps([event, data], separators=(",", ":")))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.acks.pop(call_id, None)

    async def disconnect(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.send_str("41/live,")
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait([self.reader], timeout=5)


@dataclass
class Post:
    key: int
    phone: int
    kind: str
    sent_ns: int = 0
    ack_ns: int = 0
    ok: bool | None = None
    error: str | None = None
    item_id: int | None = None


class ProcSampler:
    """Samples a process's VmRSS and CPU time from /proc (Linux)."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.peak_kib = 0

    def rss_kib(self) -> int | None:
        if self.pid is None:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        value = int(found.group(1)) if found else None
        if value:
            self.peak_kib = max(self.peak_kib, value)
        return value

    def cpu_seconds(self) -> float | None:
        if self.pid is None:
            return None
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime + stime


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


async def join_phone(http: aiohttp.ClientSession, url: str, code: str, index: int, args) -> Phone:
    async with http.post(
        f"{url}/api/v1/workshops/{code}/participants", json={"consent": True}, timeout=aiohttp.ClientTimeout(total=30)
    ) as response:
        body = await response.json()
        if response.status != 201:
            raise RuntimeError(f"join failed: {response.status} {body}")
    groups = body["groups"]
    kind = RawPhone if args.client == "raw" else SocketIOPhone
    phone = kind(index, body["token"], groups[index % len(groups)]["id"])
    await phone.connect(url, http)
    ack = await phone.call("join_group", {"group_id": phone.group_id}, timeout=30)
    if not ack.get("ok"):
        raise RuntimeError(f"join_group refused: {ack}")
    phone.items_on_join = len(ack["items"])  # in sync: the group's items came with the reply
    return phone


async def run(args, url: str, code: str, sampler: ProcSampler) -> dict:
    report: dict = {"rss_kib": {"idle": sampler.rss_kib()}}
    limit = asyncio.Semaphore(args.connect_concurrency)
    connector = aiohttp.TCPConnector(limit=0)  # raw phones hold one connection each
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=None, sock_connect=30)
    ) as http:  # no total timeout: the raw phones' WebSockets live in this session
        try:
            return await measure(args, url, code, sampler, report, limit, http)
        finally:
            await asyncio.gather(*(ph.disconnect() for ph in connected), return_exceptions=True)


connected: list[Phone] = []


async def measure(args, url, code, sampler: ProcSampler, report: dict, limit, http) -> dict:
    async def one(i: int) -> Phone:
        async with limit:
            phone = await join_phone(http, url, code, i, args)
            connected.append(phone)
            return phone

    started = time.perf_counter()
    phones = await asyncio.gather(*(one(i) for i in range(args.clients)))
    report["connect_seconds"] = round(time.perf_counter() - started, 2)
    await asyncio.sleep(1.0)  # let the join events settle before measuring
    report["rss_kib"]["connected"] = sampler.rss_kib()

    total = min(args.clients * args.posts_per_client, int(args.rate * args.duration), LIMITS["posts"])
    posts = [Post(key=k, phone=k % args.clients, kind="problem") for k in range(total)]
    problems: dict[int, list[int]] = defaultdict(list)  # group -> acked problem ids
    pending: set[asyncio.Task] = set()
    sampling = True
    lags: list[float] = []

    async def sample() -> None:
        while sampling:
            sampler.rss_kib()
            await asyncio.sleep(0.25)

    async def send(post: Post) -> None:
        phone = phones[post.phone]
        data = {"client_id": str(uuid.uuid4()), "group_id": phone.group_id, "kind": "problem"}
        if post.key % 2 and problems[phone.group_id]:  # every other post answers a problem of the group
            data.update(kind="solution", parent_id=problems[phone.group_id][-1])
        post.kind = data["kind"]
        data["text"] = f"{TEXTS[post.kind]} #{post.key}"
        post.sent_ns = time.perf_counter_ns()
        try:
            ack = await phone.call("post", data, timeout=args.drain)
        except Exception as error:  # timeout or dropped connection: counted, not fatal
            post.ok, post.error = False, type(error).__name__
            return
        post.ack_ns = time.perf_counter_ns()
        post.ok = bool(ack.get("ok"))
        if post.ok:
            post.item_id = ack["item"]["id"]
            if post.kind == "problem":
                problems[phone.group_id].append(post.item_id)
        else:
            post.error = ack.get("error", {}).get("code", "?")

    sampler_task = asyncio.create_task(sample())
    cpu_server0, cpu_self0 = sampler.cpu_seconds(), own_cpu_seconds()
    t0 = time.perf_counter()
    for post in posts:
        target = t0 + post.key / args.rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, -delay))
        task = asyncio.create_task(send(post))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=args.drain + 5)
    posting_done = time.perf_counter()

    ok_keys = {p.key for p in posts if p.ok}
    deadline = time.perf_counter() + args.drain
    while time.perf_counter() < deadline and any(len(ok_keys - ph.received.keys()) for ph in phones):
        await asyncio.sleep(0.1)
    finished = time.perf_counter()
    cpu_server1, cpu_self1 = sampler.cpu_seconds(), own_cpu_seconds()
    sampling = False
    await sampler_task
    report["rss_kib"]["after_load"] = sampler.rss_kib()
    report["rss_kib"]["peak"] = sampler.peak_kib or None

    sent = {p.key: p for p in posts}
    latencies_ms = [(t - sent[key].sent_ns) / 1e6 for ph in phones for key, t in ph.received.items() if key in ok_keys]
    acks_ms = [(p.ack_ns - p.sent_ns) / 1e6 for p in posts if p.ok]
    own_ms = [(phones[p.phone].received[p.key] - p.sent_ns) / 1e6 for p in posts if p.key in phones[p.phone].received]
    first_send = min(p.sent_ns for p in posts) if posts else 0
    last_ack = max((p.ack_ns for p in posts if p.ok), default=first_send)
    last_delivery = max((t for ph in phones for t in ph.received.values()), default=first_send)
    lost = sum(len(ok_keys - ph.received.keys()) for ph in phones)
    gaps = 0
    for ph in phones:
        if ph.seqs:
            gaps += (max(ph.seqs) - min(ph.seqs) + 1) - len(set(ph.seqs))
    wall = finished - t0
    report.update(
        clients=args.clients,
        posts_planned=total,
        posts_ok=len(ok_keys),
        posts_refused=dict(Counter(p.error for p in posts if not p.ok)),
        kinds=dict(Counter(p.kind for p in posts if p.ok)),
        target_rate=args.rate,
        posts_per_second=round(len(ok_keys) / max(1e-9, (last_ack - first_send) / 1e9), 1),
        deliveries=len(latencies_ms),
        deliveries_expected=len(ok_keys) * len(phones),
        deliveries_per_second=round(len(latencies_ms) / max(1e-9, (last_delivery - first_send) / 1e9), 0),
        lost_deliveries=lost,
        duplicate_deliveries=sum(ph.duplicates for ph in phones),
        seq_gaps=gaps,
        latency_ms={
            "p50": round(percentile(latencies_ms, 50), 1),
            "p95": round(percentile(latencies_ms, 95), 1),
            "p99": round(percentile(latencies_ms, 99), 1),
            "max": round(max(latencies_ms, default=float("nan")), 1),
            "mean": round(statistics.fmean(latencies_ms), 1) if latencies_ms else None,
        },
        ack_ms={"p50": round(percentile(acks_ms, 50), 1), "p99": round(percentile(acks_ms, 99), 1)},
        own_event_ms={"p50": round(percentile(own_ms, 50), 1), "p99": round(percentile(own_ms, 99), 1)},
        send_lag_ms_max=round(max(lags, default=0.0) * 1000, 1),
        posting_seconds=round(posting_done - t0, 2),
        measured_seconds=round(wall, 2),
        bench_cpu_percent=round(100 * (cpu_self1 - cpu_self0) / wall, 0),
        server_cpu_percent=(round(100 * (cpu_server1 - cpu_server0) / wall, 0) if cpu_server0 is not None else None),
    )
    return report


def print_report(report: dict, args) -> None:
    r = report
    lat = r["latency_ms"]
    rss = {k: (f"{v / 1024:.0f} MiB" if v else "n/a") for k, v in r["rss_kib"].items()}
    print(
        f"""
clients              {r["clients"]} {r["client"]} clients (connected in {r["connect_seconds"]} s)
posts                {r["posts_ok"]} ok of {r["posts_planned"]} planned {r["kinds"]}; refused {r["posts_refused"] or 0}
rate                 target {r["target_rate"]} posts/s, achieved {r["posts_per_second"]} posts/s
deliveries           {r["deliveries"]} of {r["deliveries_expected"]}, {r["deliveries_per_second"]:.0f} deliveries/s
lost deliveries      {r["lost_deliveries"]}   duplicates {r["duplicate_deliveries"]}   seq gaps {r["seq_gaps"]}
latency post->phone  p50 {lat["p50"]} ms  p95 {lat["p95"]} ms  p99 {lat["p99"]} ms  max {lat["max"]} ms
post ack             p50 {r["ack_ms"]["p50"]} ms  p99 {r["ack_ms"]["p99"]} ms (poster's own event p50 {r["own_event_ms"]["p50"]} ms)
server RSS           idle {rss["idle"]}, {r["clients"]} connected {rss["connected"]}, peak {rss["peak"]}, after {rss["after_load"]}
CPU                  server {r["server_cpu_percent"]} % of a core, bench {r["bench_cpu_percent"]} % of a core (max send lag {r["send_lag_ms_max"]} ms)
"""
    )
    if args.json:
        print(json.dumps(report, ensure_ascii=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--posts-per-client", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20.0, help="total posts per second, all phones together")
    parser.add_argument("--duration", type=float, default=60.0, help="at most this many seconds of posting")
    parser.add_argument("--drain", type=float, default=20.0, help="seconds to wait for acks and deliveries after")
    parser.add_argument("--async-mode", choices=["gevent", "eventlet"], default="gevent")
    parser.add_argument("--url", help="an already running server (loopback only); needs --code")
    parser.add_argument("--code", help="the workshop's join code, with --url")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's pid, to report its memory and CPU")
    parser.add_argument("--connect-concurrency", type=int, default=20)
    parser.add_argument(
        "--client",
        choices=["socketio", "raw"],
        default="socketio",
        help="socketio: python-socketio AsyncClient per phone; raw: the same protocol on bare aiohttp WebSockets, "
        "cheaper, for rates where the bench itself would be the bottleneck",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--keep", action="store_true", help="keep the started server's database and log folder")
    args = parser.parse_args()

    if not 1 <= args.clients <= LIMITS["clients"]:
        parser.error(f"--clients must be 1..{LIMITS['clients']}")
    if not 0 < args.rate <= LIMITS["rate"] or not 0 < args.duration <= LIMITS["duration"]:
        parser.error(f"--rate must be in (0, {LIMITS['rate']}], --duration in (0, {LIMITS['duration']}]")
    if args.posts_per_client < 1:
        parser.error("--posts-per-client must be at least 1")
    if args.posts_per_client > POSTS_PER_MINUTE:
        print(f"note: the server allows {POSTS_PER_MINUTE} posts a minute per participant; expect rate_limited")

    server = None
    if args.url:
        if not args.code:
            parser.error("--url needs --code")
        if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error("only a loopback server may be loaded")
        url, code, pid = args.url.rstrip("/"), args.code, args.server_pid
    else:
        from tests.liveserver import start_server

        folder = Path(tempfile.mkdtemp(prefix="tashawur-bench-"))
        print(f"starting python app.py ({args.async_mode}) on a fresh SQLite database in {folder} ...")
        server = start_server(folder, async_mode=args.async_mode)
        url, code, pid = server.url, server.code, server.process.pid
    print(
        f"{args.clients} phones on {url} workshop {code}; {args.posts_per_client} posts each at {args.rate} posts/s "
        f"({args.async_mode if server else 'external server'}, {args.client} clients)"
    )
    try:
        report = asyncio.run(asyncio.wait_for(run(args, url, code, ProcSampler(pid)), timeout=args.duration + 600))
        if server is not None:
            report["server_alive"] = server.alive()
            report["server_log_tracebacks"] = server.log().count("Traceback")
    finally:
        if server is not None:
            server.stop()
            if args.keep:
                print(f"server database and log kept in {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    report.update(async_mode=args.async_mode if server else None, client=args.client, command=" ".join(sys.argv[1:]))
    print_report(report, args)
    if server is not None:
        print(
            f"server alive at the end: {report['server_alive']}, tracebacks in its log: {report['server_log_tracebacks']}"
        )
    return 1 if report["lost_deliveries"] or report["seq_gaps"] else 0


if __name__ == "__main__":
    sys.exit(main())
