"""Load test of a process's public page: 500 recommendations and 5,000 contributions, read by a crowd, while a live
workshop runs on the same server.

Seeds a published process (5 published workshops of 100 recommendations and 1,000 contributions each, half of the
recommendations adopted with follow-up updates) in a fresh SQLite file (and in PostgreSQL with --postgres URL, whose
schema it wipes), starts a real server (`python app.py`, gevent, tests/liveserver.py) and measures, with --clients
concurrent aiohttp clients for --seconds each:
- the process page (HTML) and its JSON, cold (no validator: the server builds and sends the body each time) and warm
  (If-None-Match: the server answers 304), requests per second and p50/p95;
- the very first request after the server started;
- a live workshop's socket round trip (a python-socketio phone posting and waiting for its ack), idle and while the
  process page is under load.
With --nginx, the same measures again through nginx running the shipped deploy/nginx/tashawur.conf (tests/nginx.py) in
front of the same server: the crowd and the phone go through nginx, which serves the page from its cache.

    .venv/bin/python bench/public_page.py
    .venv/bin/python bench/public_page.py --clients 20 --seconds 10 --postgres postgresql://postgres@127.0.0.1/bench
    .venv/bin/python bench/public_page.py --clients 20 --seconds 5 --nginx

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.live_load import SocketIOPhone, join_phone  # noqa: E402
from tests.liveserver import prepare_database, start_server  # noqa: E402
from tests.nginx import NGINX_SKIP, nginx_binary, start_nginx  # noqa: E402

WORKSHOPS = 5
RECS_PER_WORKSHOP = 100
ITEMS_PER_WORKSHOP = 1000
TEXTS = (
    "غياب حاويات النفايات في الدواوير وانتشار الأزبال قرب السوق الأسبوعي",
    "Une émission mensuelle sur la radio locale en amazighe pour expliquer les projets",
    "ⴰⵙⵏⵎⵍ ⵏ ⵜⵉⴼⵉⵏⴰⵖ ⴳ ⵜⵉⵏⵎⵍⵜ",
    "ضعف الربط بالأنترنت في المدرسة الجماعاتية، والحاجة إلى فضاء رقمي للشباب",
)


def seed(database_url: str) -> str:
    """The published process, written straight into the database; returns its public path."""
    os.environ.setdefault("CONSULT_ASYNC_MODE", "threading")  # this process only writes rows
    from config import configs
    from config import database_url as normalized
    from consult import create_app
    from consult.extensions import db
    from consult.models import Adoption, Commune, FollowUpUpdate, Item, Recommendation, User
    from consult.models.base import utcnow
    from consult.models.recommendation import recommendation_items
    from consult.services import unit_of_work
    from consult.services.processes import create_process
    from consult.services.workshops import create_workshop

    settings = {"SQLALCHEMY_DATABASE_URI": normalized(database_url)}
    app = create_app(type("BenchConfig", (configs["development"],), settings))
    rng = random.Random(11)
    with app.app_context():
        commune = Commune(name_ar="جماعة المقعد", name_fr="Commune du banc", slug="banc")
        user = User(commune=commune, email="bench@banc.ma", name="Bench", role="admin")
        user.set_password("bench-password-1")
        db.session.add(user)
        db.session.commit()
        with unit_of_work():
            process = create_process(user, title="برنامج عمل الجماعة 2027-2032", kind="pac", description="قياس")
            process.published_at = utcnow()
        start = date(2026, 3, 1)
        for w in range(WORKSHOPS):
            with unit_of_work():
                workshop = create_workshop(
                    user, title=f"ورشة الدوار {w + 1}", workshop_date=start + timedelta(days=7 * w)
                )
                db.session.flush()
                workshop.status, workshop.phase = "closed", "closed"
                workshop.process_id, workshop.published_at = process.id, utcnow()
            groups = [(g.id, g.theme_id) for g in workshop.groups]
            items = []
            for i in range(ITEMS_PER_WORKSHOP):
                group_id, _theme = groups[i % len(groups)]
                status = "visible" if i % 20 else "hidden"
                items.append(
                    Item(
                        workshop_id=workshop.id,
                        group_id=group_id,
                        kind="problem" if i % 3 else "solution",
                        text=f"{TEXTS[i % len(TEXTS)]} ({w}.{i})",
                        status=status,
                        decision="not_retained" if i % 7 == 0 else None,
                        decision_reason="خارج اختصاص الجماعة" if i % 7 == 0 else None,
                    )
                )
            db.session.add_all(items)
            db.session.flush()
            recs = []
            for r in range(RECS_PER_WORKSHOP):
                recs.append(
                    Recommendation(
                        workshop_id=workshop.id,
                        theme_id=groups[r % len(groups)][1],
                        position=r,
                        title=f"توصية {r + 1}: {TEXTS[r % len(TEXTS)][:60]}",
                        body=TEXTS[(r + 1) % len(TEXTS)],
                        responsible="مصلحة الأشغال",
                    )
                )
            db.session.add_all(recs)
            db.session.flush()
            links = [
                {"recommendation_id": rec.id, "item_id": items[(r * 10 + k) % len(items)].id}
                for r, rec in enumerate(recs)
                for k in range(3)
            ]
            db.session.execute(recommendation_items.insert(), links)
            for r, rec in enumerate(recs):
                if r % 2:
                    continue
                db.session.add(
                    Adoption(
                        recommendation_id=rec.id,
                        session_name="دورة فبراير",
                        session_date=date(2027, 2, 3),
                        decision="adopted",
                    )
                )
                db.session.add(FollowUpUpdate(recommendation_id=rec.id, status="adopted", note="دورة فبراير"))
                db.session.add(
                    FollowUpUpdate(
                        recommendation_id=rec.id,
                        status=rng.choice(["planned", "in_progress", "done"]),
                        progress=rng.randrange(0, 101, 10),
                        note="تقدم الأشغال",
                    )
                )
            db.session.commit()
        path = f"/p/{commune.slug}/{process.slug}"
        db.session.remove()
        db.engine.dispose()
    return path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


async def hammer(url: str, clients: int, seconds: float, warm: bool, rate: float | None = None) -> dict:
    """clients concurrent readers fetching url for seconds; warm: each sends the ETag it got first; rate: all of
    them together at most this many requests a second (a crowd's pace), else as fast as answers come."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    caches: dict[str, int] = {}  # nginx's X-Cache-Status, when it is in front
    sizes: list[int] = []
    headers = {"Accept-Encoding": "br, gzip", "Accept-Language": "ar"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        etag = None
        if warm:
            async with http.get(url, headers=headers) as first:
                await first.read()
                etag = first.headers.get("ETag")
        deadline = time.perf_counter() + seconds

        async def reader() -> None:
            mine = dict(headers, **({"If-None-Match": etag} if etag else {}))
            gap = clients / rate if rate else 0.0
            await asyncio.sleep(random.uniform(0, gap))  # spread out, not in step
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                async with http.get(url, headers=mine) as response:
                    body = await response.read()
                latencies.append(time.perf_counter() - t0)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                cache = response.headers.get("X-Cache-Status")
                if cache:
                    caches[cache] = caches.get(cache, 0) + 1
                sizes.append(len(body))
                if gap:
                    await asyncio.sleep(max(0.0, t0 + gap - time.perf_counter()))

        started = time.perf_counter()
        await asyncio.gather(*(reader() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "statuses": statuses,
        "caches": caches,
        "bytes": int(statistics.mean(sizes)) if sizes else 0,
    }


async def round_trips(base: str, code: str, count: int, gap: float) -> list[float]:
    """A phone in the live workshop posts count problems, gap seconds apart, and times each ack."""

    class Args:
        client = "socketio"

    async with aiohttp.ClientSession() as http:
        # A participant may post 20 times a minute: a new phone every 10 posts.
        phones: list[SocketIOPhone] = [
            await join_phone(http, base, code, random.randrange(1_000_000), Args) for _ in range(count // 10 + 1)
        ]
        times = []
        try:
            for n in range(count):
                phone = phones[n // 10]
                data = {
                    "client_id": f"bench-{time.time_ns()}-{n}",
                    "group_id": phone.group_id,
                    "kind": "problem",
                    "text": f"قياس زمن الذهاب والإياب {n}",
                }
                t0 = time.perf_counter()
                ack = await phone.call("post", data, timeout=30)
                times.append(time.perf_counter() - t0)
                if not ack.get("ok"):
                    raise RuntimeError(f"post refused: {ack}")
                await asyncio.sleep(gap)
        finally:
            for phone in phones:
                await phone.disconnect()
    return times


async def measure(base: str, path: str, code: str, args) -> list[tuple[str, dict]]:
    rows = []
    async with aiohttp.ClientSession() as http:
        t0 = time.perf_counter()
        async with http.get(base + path) as response:
            await response.read()
        first = (time.perf_counter() - t0) * 1000
    rows.append(("first request after start (HTML)", {"p50": first, "p95": first, "rps": 0, "requests": 1}))
    for label, suffix in (("HTML", ""), ("JSON", ".json")):
        for warm in (False, True):
            result = await hammer(base + path + suffix, args.clients, args.seconds, warm)
            rows.append((f"{label} {'warm (If-None-Match → 304)' if warm else 'cold (200, full body)'}", result))
    idle = await round_trips(base, code, args.posts, 0.2)
    rows.append(("socket post round trip, idle", stats(idle)))
    load = asyncio.create_task(hammer(base + path, args.clients, args.seconds + 5, False, args.load_rate))
    await asyncio.sleep(1)
    busy = await round_trips(base, code, args.posts, 0.2)
    page = await load
    rows.append(("socket post round trip, page under load", stats(busy)))
    rows.append(("  (the page meanwhile, cold)", page))
    return rows


def stats(times: list[float]) -> dict:
    return {"requests": len(times), "rps": 0, "p50": percentile(times, 50) * 1000, "p95": percentile(times, 95) * 1000}


def print_rows(title: str, rows: list[tuple[str, dict]]) -> None:
    print(f"\n{title}")
    print("| measure | requests | req/s | p50 ms | p95 ms | statuses | body bytes |")
    print("|---|---|---|---|---|---|---|")
    for label, r in rows:
        rps = f"{r['rps']:.1f}" if r.get("rps") else "—"
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r.get("statuses", {}).items())) or "—"
        if r.get("caches"):
            statuses += " (" + ", ".join(f"{k}×{v}" for k, v in sorted(r["caches"].items())) + ")"
        print(
            f"| {label} | {r['requests']} | {rps} | {r['p50']:.0f} | {r['p95']:.0f} | {statuses} | {r.get('bytes', '—')} |"
        )


def run_on(database_url: str, folder: Path, args) -> None:
    # Behind nginx the app believes its X-Forwarded-For, as docs/DEPLOY.md runs it; direct clients send none.
    prepared = prepare_database(database_url, {"TRUSTED_PROXIES": "1"} if args.nginx else None)
    t0 = time.perf_counter()
    path = seed(database_url)
    name = database_url.split(":")[0]
    print(f"seeded {name} in {time.perf_counter() - t0:.1f} s: {path}")
    server = start_server(folder, database_url=database_url, prepared=prepared, async_mode=args.async_mode)
    proxy = None
    try:
        rows = asyncio.run(measure(server.url, path, server.code, args))
        print_rows(f"{name}, {args.clients} clients, {args.seconds:.0f} s per measure", rows)
        if args.nginx:
            proxy = start_nginx(folder / f"nginx-{name}", [server.url.removeprefix("http://")])
            rows = asyncio.run(measure(proxy.url, path, server.code, args))
            print_rows(f"{name} through nginx (deploy/nginx/tashawur.conf), same server", rows)
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


def wipe(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--posts", type=int, default=30, help="socket posts timed, idle and under load")
    parser.add_argument("--async-mode", choices=["gevent", "eventlet"], default="gevent")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"), help="also on this database")
    parser.add_argument("--nginx", action="store_true", help="then again through nginx with the shipped config")
    parser.add_argument(
        "--load-rate", type=float, help="the readers' pace (requests/s, all together) while the round trip is timed"
    )
    args = parser.parse_args()
    if args.nginx and nginx_binary() is None:
        parser.error(NGINX_SKIP)
    with tempfile.TemporaryDirectory() as folder:
        run_on(f"sqlite:///{Path(folder) / 'bench.sqlite'}", Path(folder), args)
        if args.postgres:
            wipe(args.postgres)
            run_on(args.postgres, Path(folder), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
