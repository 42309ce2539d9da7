"""Flood bench: honest phones posting slowly while identities from the same address flood one workshop.

Reproduces what issue 9 measured: rejoining gave a fresh 20-posts-a-minute budget each time (18 identities posted
360 times in 15 s and slowed everyone to p95 630 ms), and one phone calling `state` in a loop slowed others.

Starts its own `python app.py` (gevent, fresh SQLite, the demo workshop; tests/liveserver.py). Every phone comes
from 127.0.0.1, as a hall behind one public address would. Phase 1: the honest phones alone. Phase 2: the same,
while M flooders post as fast as the server answers and rejoin under a new identity whenever refused, and one phone
calls `state` in a loop. Prints the honest phones' ack round trip (p50, p95, max) in each phase, their refusals,
and what the flood achieved.

    .venv/bin/python bench/flood.py                      # the limits of config.py
    .venv/bin/python bench/flood.py --limits lab         # per-address join and post limits lifted (as before)
    .venv/bin/python bench/flood.py --honest 60 --flooders 18 --duration 15

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import aiohttp
except ImportError as missing:  # pragma: no cover
    sys.exit(f"bench/flood.py needs aiohttp ({missing}): .venv/bin/pip install aiohttp")

from bench.live_load import ProcSampler, RawPhone, own_cpu_seconds  # noqa: E402
from tests.liveserver import LOOPBACK_LIMITS, start_server  # noqa: E402

TEXT = "Flood: la même carte encore et encore, pour occuper la salle #{}"
HONEST_TEXT = "إشكالية: غياب الإنارة العمومية في الأحياء الجديدة #{}"


@dataclass
class Counts:
    rtts: list[float] = field(default_factory=list)  # honest acks, ms
    honest_refused: int = 0
    flood_ok: int = 0
    flood_refused: int = 0
    rejoins: int = 0
    joins_refused: int = 0
    state_ok: int = 0
    state_refused: int = 0
    bench_cpu: float = 0.0  # share of a core over the phase
    server_cpu: float = 0.0


async def join(http: aiohttp.ClientSession, url: str, code: str, index: int) -> RawPhone | None:
    """A new identity: join by the API, connect, take a group. None when the server refuses the join."""
    async with http.post(f"{url}/api/v1/workshops/{code}/participants", json={"consent": True}) as response:
        body = await response.json()
        if response.status != 201:
            return None
    groups = body["groups"]
    # Bare Engine.IO frames (bench/live_load.py): python-socketio's own cost would make the bench the bottleneck.
    phone = RawPhone(index, body["token"], groups[index % len(groups)]["id"])
    try:
        await phone.connect(url, http)
    except (RuntimeError, aiohttp.ClientError, TimeoutError):
        return None
    ack = await phone.call("join_group", {"group_id": phone.group_id}, timeout=30)
    if not ack.get("ok"):
        raise RuntimeError(f"join_group refused: {ack}")
    return phone


def post_data(group_id: int, text: str) -> dict:
    return {"client_id": uuid.uuid4().hex, "group_id": group_id, "kind": "problem", "text": text}


async def honest_phone(phone: RawPhone, index: int, interval: float, until: float, counts: Counts) -> None:
    await asyncio.sleep(interval * index / 60 % interval)  # spread the phones over the interval
    n = 0
    while time.monotonic() < until:
        n += 1
        started = time.perf_counter()
        ack = await phone.call("post", post_data(phone.group_id, HONEST_TEXT.format(n)), timeout=30)
        if ack.get("ok"):
            counts.rtts.append((time.perf_counter() - started) * 1000)
        else:
            counts.honest_refused += 1
        await asyncio.sleep(interval)


async def flooder(http, url: str, code: str, index: int, until: float, counts: Counts, rejoin: bool) -> None:
    phone = await join(http, url, code, index)
    n = 0
    while time.monotonic() < until:
        if phone is None:
            counts.joins_refused += 1
            await asyncio.sleep(0.5)
            phone = await join(http, url, code, index)
            continue
        n += 1
        ack = await phone.call("post", post_data(phone.group_id, TEXT.format(n)), timeout=30)
        if ack.get("ok"):
            counts.flood_ok += 1
        else:
            counts.flood_refused += 1
            if not rejoin:
                continue
            # What the attacker did: a fresh identity for a fresh budget.
            await phone.disconnect()
            counts.rejoins += 1
            phone = await join(http, url, code, index)
    if phone is not None:
        await phone.disconnect()


async def state_looper(phone: RawPhone, until: float, counts: Counts) -> None:
    while time.monotonic() < until:
        ack = await phone.call("state", {}, timeout=30)
        if ack.get("ok"):
            counts.state_ok += 1
        else:
            counts.state_refused += 1
            await asyncio.sleep(0.05)  # a script would retry at once; this keeps the bench's own CPU for the phones


def summary(rtts: list[float]) -> str:
    if not rtts:
        return "no acknowledged post"
    cuts = statistics.quantiles(rtts, n=100, method="inclusive") if len(rtts) > 1 else rtts * 99
    return f"{len(rtts)} posts, p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, max {max(rtts):.0f} ms"


async def run(args, url: str, code: str, sampler: ProcSampler) -> dict[str, Counts]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        phones = []
        for i in range(args.honest):
            phone = await join(http, url, code, i)
            if phone is None:
                raise RuntimeError("an honest phone could not join: raise RATELIMIT_JOIN or --join-pace")
            phones.append(phone)
            await asyncio.sleep(args.join_pace)  # people scan the QR code one after another, not all in 1 s
        results = {}
        for phase, flooding in (("honest alone", False), ("under flood", True)):
            counts = Counts()
            cpu = (own_cpu_seconds(), sampler.cpu_seconds())
            until = time.monotonic() + args.duration
            tasks = [honest_phone(p, i, args.interval, until, counts) for i, p in enumerate(phones)]
            loopers = [await join(http, url, code, 0) for _ in range(args.state_loops if flooding else 0)]
            if flooding:
                tasks += [flooder(http, url, code, i, until, counts, args.rejoin) for i in range(args.flooders)]
            tasks += [state_looper(looper, until, counts) for looper in loopers if looper is not None]
            await asyncio.gather(*tasks)
            await asyncio.gather(*(looper.disconnect() for looper in loopers if looper is not None))
            counts.bench_cpu = (own_cpu_seconds() - cpu[0]) / args.duration
            counts.server_cpu = (sampler.cpu_seconds() - cpu[1]) / args.duration
            results[phase] = counts
            await asyncio.sleep(2)
        await asyncio.gather(*(p.disconnect() for p in phones), return_exceptions=True)
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--honest", type=int, default=60, help="honest phones")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between an honest phone's posts")
    parser.add_argument("--flooders", type=int, default=18, help="flooding identities at a time")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of each phase")
    parser.add_argument("--join-pace", type=float, default=0.25, help="seconds between honest joins")
    parser.add_argument("--state-loops", type=int, default=1, help="phones calling `state` in a loop")
    parser.add_argument(
        "--no-rejoin", dest="rejoin", action="store_false", help="flooders keep their identity when refused"
    )
    parser.add_argument(
        "--limits", choices=["config", "lab"], default="config", help="lab: per-address limits lifted, as before"
    )
    args = parser.parse_args()
    if not 1 <= args.honest <= 300 or not 0 <= args.flooders <= 100 or not 1 <= args.duration <= 120:
        parser.error("--honest 1..300, --flooders 0..100, --duration 1..120")

    folder = Path(tempfile.mkdtemp(prefix="tashawur-flood-"))
    # The config.py numbers, stated here so that tests/liveserver.py's loopback lift does not apply.
    from config import Config

    real = {name: getattr(Config, name) for name in LOOPBACK_LIMITS}
    limits = LOOPBACK_LIMITS if args.limits == "lab" else real
    server = start_server(folder, extra_env=limits)
    print(
        f"{args.honest} honest phones (a post every {args.interval:g} s), {args.flooders} flooders and one state loop"
    )
    print(f"limits: {args.limits}: " + ", ".join(f"{k}={v}" for k, v in limits.items()))
    try:
        results = asyncio.run(run(args, server.url, server.code, ProcSampler(server.process.pid)))
        tracebacks = server.log().count("Traceback")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for phase, counts in results.items():
        print(
            f"{phase:>12}: honest {summary(counts.rtts)}; honest refused {counts.honest_refused}; "
            f"CPU server {counts.server_cpu:.0%}, bench {counts.bench_cpu:.0%}"
        )
    flood = results["under flood"]
    print(
        f"       flood: {flood.flood_ok} posts accepted in {args.duration:g} s, {flood.flood_refused} refused, "
        f"{flood.rejoins} rejoins, {flood.joins_refused} joins refused; "
        f"state loop: {flood.state_ok} answered, {flood.state_refused} refused"
    )
    print(f"tracebacks in the server log: {tracebacks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
