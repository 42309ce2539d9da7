"""An evening's Facebook announcement against the consultation on the draft, with a live workshop on the same server.

Starts one `python app.py` (tests/liveserver.py: SQLite file by default, PostgreSQL with --postgres URL, whose schema
is wiped first) holding the demo workshop and a published process with --recommendations draft recommendations over
three axes, its consultation open. Then:

1. Idle: a live workshop's socket round trip (python-socketio clients on the demo workshop post an item each
   --probe-interval seconds and wait for the ack), for --idle-seconds, on the otherwise idle server.
2. Load: --citizens simulated citizens arrive evenly over --minutes, each with its own cookies: reads the draft page,
   opens 1-3 recommendation pages, supports 1-5 recommendations (half with the page's script, Accept JSON; half the
   plain form, 303 then the draft again), and 1 in 4 writes a comment (consent ticked, 303 then the page again),
   with a few seconds of reading between steps. Real HTTP, the page's CSRF token on every POST. Meanwhile the same
   socket round trip is measured on the live workshop.

With --nginx, the same phases with the deployment of docs/DEPLOY.md instead of one process: a live process and a
pages process of this checkout on the one database (the SQLite file, both in WAL, or --postgres), run with
TRUSTED_PROXIES=1, and nginx with the shipped deploy/nginx/tashawur.conf (tests/nginx.py) in front, its live upstream
the live process, its pages upstream (/p/) the pages process. The citizens and the probe's phones go through nginx.
No Redis: no consultation door emits a socket event, and the room lives in the live process alone.

Prints p50/p95/max per page type, errors by type, each app process's CPU (utime+stime from /proc/<pid>/stat) over
each phase, and the live round trip idle and loaded: loaded p95 must stay within 2x of idle p95 (exit 1 otherwise);
with --nginx also where nginx sent the requests (its access log). The probe runs in its own process so that the
citizens' client loop does not delay its acks. nginx and the app processes are stopped at the end, even on error.

Every citizen comes from 127.0.0.1: the per-address consultation limits (RATELIMIT_CONSULT_*_ADDRESS) are lifted
for the server, as the live benches lift the join and post ones; the per-browser limits stay as configured.

    .venv/bin/python bench/consultation_load.py                          # 2,000 citizens over 10 minutes
    .venv/bin/python bench/consultation_load.py --citizens 200 --minutes 1 --idle-seconds 15
    .venv/bin/python bench/consultation_load.py --postgres postgresql://postgres@127.0.0.1:5432/bench --json
    .venv/bin/python bench/consultation_load.py --nginx                  # the same behind nginx, live + pages
    .venv/bin/python bench/consultation_load.py --nginx --citizens 60 --minutes 0.5 --idle-seconds 10

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import queue
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.live_load import ProcSampler, join_phone, percentile  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLIENT_ID = re.compile(r'name="client_id"[^>]*value="([^"]*)"')
REC_LINK = re.compile(r'href="([^"]*/consultation/(\d+))"')
LIFTED = {
    "RATELIMIT_CONSULT_SUPPORT_ADDRESS": "1000000 per minute",
    "RATELIMIT_CONSULT_COMMENT_ADDRESS": "1000000 per minute",
}
COMMENTS = (
    "السوق الأسبوعي يحتاج حاويات أكثر، خصوصا يوم الخميس",
    "Il faut penser aux femmes qui rentrent tard : éclairage et transport",
    "الدوار البعيد لا يصله النقل المدرسي، نريد حلا لبناتنا",
    "Publier chaque trimestre l'avancement, au souk et sur la page de la commune",
)


def seed(database_url: str, recommendations: int) -> str:
    """The published process with its draft and open consultation, in the server's database: its draft path."""
    from consult.extensions import db
    from tests.conftest import build_app
    from tests.consultation_seed import seed_consultation

    app = build_app(database_url)
    with app.app_context():
        path = seed_consultation(recommendations=recommendations).path
        db.session.remove()
        db.engine.dispose()
    return path


def wipe(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


# The live workshop's probe: its own process and loop.


async def _probe(url: str, code: str, seconds: float, interval: float, phones: int, out) -> dict:
    args = argparse.Namespace(client="socketio")
    async with aiohttp.ClientSession() as http:
        # The facilitator's room is already there when the announcement brings the crowd: join, then say so.
        joined = [await join_phone(http, url, code, i, args) for i in range(phones)]
        out.put("ready")
        trips: list[float] = []
        errors: Counter = Counter()
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            phone = joined[n % phones]
            data = {
                "client_id": str(uuid.uuid4()),
                "group_id": phone.group_id,
                "kind": "problem",
                "text": f"قياس زمن الذهاب والإياب في الورشة الحية #{n}",
            }
            started = time.perf_counter()
            try:
                ack = await phone.call("post", data, timeout=30)
                if ack.get("ok"):
                    trips.append((time.perf_counter() - started) * 1000)
                else:
                    errors[str(ack.get("error", {}).get("code", ack))] += 1
            except Exception as error:  # a timeout or a dropped socket: counted
                errors[type(error).__name__] += 1
            n += 1
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
        await asyncio.gather(*(p.disconnect() for p in joined), return_exceptions=True)
    return {"trips": trips, "errors": dict(errors)}


def probe_worker(url: str, code: str, seconds: float, interval: float, phones: int, out) -> None:
    try:
        out.put(asyncio.run(_probe(url, code, seconds, interval, phones, out)))
    except Exception as error:  # reported, not lost: the citizens' figures still stand
        out.put({"trips": [], "errors": {f"probe failed: {type(error).__name__}": 1}})


def probe_result(out, timeout: float) -> dict:
    try:
        return out.get(timeout=timeout)
    except queue.Empty:
        return {"trips": [], "errors": {"probe gave no answer": 1}}


def start_probe(url: str, code: str, seconds: float, args):
    out = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(
        target=probe_worker, args=(url, code, seconds, args.probe_interval, args.probe_phones, out), daemon=True
    )
    worker.start()
    ready = probe_result(out, 120)
    if ready != "ready":
        return worker, out, ready
    return worker, out, None


def trip_summary(result: dict) -> dict:
    trips = result["trips"]
    return {
        "n": len(trips),
        "p50_ms": round(percentile(trips, 50), 1),
        "p95_ms": round(percentile(trips, 95), 1),
        "max_ms": round(max(trips), 1) if trips else None,
        "errors": result["errors"],
    }


# The citizens.


class Recorder:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()

    async def timed(self, kind: str, request) -> tuple[int, str, aiohttp.ClientResponse | None]:
        started = time.perf_counter()
        try:
            async with request as response:
                body = await response.text()
                self.times[kind].append((time.perf_counter() - started) * 1000)
                expected = 303 if kind in ("support_form", "comment") else 200
                if response.status != expected:
                    self.errors[f"{kind} {response.status}"] += 1
                return response.status, body, response
        except Exception as error:  # a refused or timed-out connection: counted, the citizen goes on or leaves
            self.errors[f"{kind} {type(error).__name__}"] += 1
            return 0, "", None


async def citizen(index: int, url: str, path: str, connector, recorder: Recorder, rng: random.Random, pause) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, an address rather than a name
    async with aiohttp.ClientSession(
        connector=connector, connector_owner=False, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)
    ) as http:
        status, page, _ = await recorder.timed("draft", http.get(url + path))
        if status != 200:
            return
        token = TOKEN.search(page).group(1)
        recs = sorted({int(m.group(2)) for m in REC_LINK.finditer(page)})
        scripted = index % 2 == 0
        for read in rng.sample(recs, rng.randint(1, 3)):
            await pause()
            read_status, rec_page, _ = await recorder.timed("recommendation", http.get(f"{url}{path}/{read}"))
        for rec in rng.sample(recs, rng.randint(1, 5)):
            await pause(0.3)
            target = f"{url}{path}/{rec}/support"
            form = {"csrf_token": token, "action": "support"}
            if scripted:
                headers = {"Accept": "application/json"}
                await recorder.timed("support_json", http.post(target, data=form, headers=headers))
            else:
                status, _, response = await recorder.timed(
                    "support_form", http.post(target, data=form, allow_redirects=False)
                )
                if status == 303:
                    await recorder.timed("draft", http.get(url + response.headers["Location"]))
        if index % 4 == 3 and read_status == 200:  # on the last recommendation read
            await pause(3)
            found = CLIENT_ID.search(rec_page)
            form = {
                "csrf_token": TOKEN.search(rec_page).group(1),
                "client_id": found.group(1) if found else uuid.uuid4().hex[:16],
                "text": f"{COMMENTS[index % len(COMMENTS)]} ({index})",
                "consent": "y",
                "gender": rng.choice(["", "female", "male"]),
            }
            status, _, response = await recorder.timed(
                "comment", http.post(f"{url}{path}/{read}", data=form, allow_redirects=False)
            )
            if status == 303:
                await recorder.timed("recommendation", http.get(url + response.headers["Location"]))


async def crowd(args, url: str, path: str) -> Recorder:
    recorder = Recorder()
    rng = random.Random(args.seed)
    connector = aiohttp.TCPConnector(limit=0)
    gap = args.minutes * 60 / args.citizens
    tasks = []

    async def pause(scale: float = 1.0) -> None:
        await asyncio.sleep(rng.uniform(1.0, 4.0) * scale * args.think)

    started = time.monotonic()
    for i in range(args.citizens):
        await asyncio.sleep(max(0.0, started + i * gap - time.monotonic()))
        tasks.append(
            asyncio.create_task(citizen(i, url, path, connector, recorder, random.Random(rng.random()), pause))
        )
    await asyncio.gather(*tasks)
    await connector.close()
    return recorder


def start_deployment(stack: ExitStack, folder: Path, prepared, use_nginx: bool):
    """The app processes on the prepared database, and nginx in front with --nginx: the URL the citizens and the
    phones use, the processes by name, nginx (or None). Each is stopped by stack, nginx first, even on error."""
    from tests.liveserver import start_server
    from tests.nginx import start_nginx

    # One process does everything; docs/DEPLOY.md's small commune runs a live process and a pages process. They
    # share the one database (the SQLite file in WAL, or PostgreSQL); their log files differ by port.
    servers = {}
    for name in ("live", "pages") if use_nginx else ("server",):
        servers[name] = start_server(folder, prepared=prepared)
        stack.callback(servers[name].stop)
    if not use_nginx:
        return servers["server"].url, servers, None
    address = {name: server.url.removeprefix("http://") for name, server in servers.items()}
    proxy = start_nginx(folder / "nginx", [address["live"]], pages=[address["pages"]])
    stack.callback(proxy.stop)
    return proxy.url, servers, proxy


def routed(proxy, servers: dict) -> dict[str, int]:
    """Where nginx sent the requests, from its access log: /p/ or the rest, to which app process. Shows that the crowd
    reached the pages process and the room the live one."""
    names = {server.url.removeprefix("http://"): name for name, server in servers.items()}
    seen: Counter = Counter()
    for line in proxy.access_log():
        found = re.search(r'"\S+ (\S+)[^"]*" \d+ upstream=(\S+)', line)
        if found:
            kind = "/p/" if found.group(1).startswith("/p/") else "other"
            seen[f"{kind} -> {names.get(found.group(2), found.group(2))}"] += 1
    return dict(sorted(seen.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--recommendations", type=int, default=40)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to use (its schema is wiped)")
    parser.add_argument(
        "--nginx", action="store_true", help="a live and a pages process behind nginx (docs/DEPLOY.md), not one process"
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="the idle server's round trip measure")
    parser.add_argument("--probe-interval", type=float, default=1.0, help="seconds between two live posts")
    parser.add_argument("--probe-phones", type=int, default=6, help="live phones posting in turn (30 posts/min each)")
    parser.add_argument("--think", type=float, default=1.0, help="scale of the citizens' reading pauses (1-4 s)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.liveserver import prepare_database
    from tests.nginx import NGINX_SKIP, nginx_binary

    if args.nginx and nginx_binary() is None:
        parser.error(NGINX_SKIP)
    folder = Path(tempfile.mkdtemp(prefix="consultation-load-"))
    database_url = args.postgres or f"sqlite:///{folder / 'live.sqlite'}"
    if args.postgres:
        wipe(database_url)
    # Behind nginx the processes believe its X-Forwarded-For, as docs/DEPLOY.md runs them.
    prepared = prepare_database(database_url, {**LIFTED, **({"TRUSTED_PROXIES": "1"} if args.nginx else {})})
    path = seed(database_url, args.recommendations)
    report: dict = {
        "citizens": args.citizens,
        "minutes": args.minutes,
        "recommendations": args.recommendations,
        "database": "postgresql" if args.postgres else "sqlite",
        "deployment": "nginx, a live and a pages process" if args.nginx else "one process",
    }
    with ExitStack() as stack:
        url, servers, proxy = start_deployment(stack, folder, prepared, args.nginx)
        code = prepared[1]
        samplers = {name: ProcSampler(server.process.pid) for name, server in servers.items()}

        def cpu() -> tuple[dict[str, float | None], float]:
            return {name: sampler.cpu_seconds() for name, sampler in samplers.items()}, time.monotonic()

        worker, out, failed = start_probe(url, code, args.idle_seconds, args)
        idle0 = cpu()
        idle = failed or probe_result(out, args.idle_seconds + 120)
        worker.join(10)
        idle1 = cpu()
        report["live_idle"] = trip_summary(idle)

        load_seconds = args.minutes * 60
        worker, out, failed = start_probe(url, code, load_seconds, args)
        load0 = cpu()
        recorder = asyncio.run(crowd(args, url, path))
        load1 = cpu()
        loaded = failed or probe_result(out, 180)
        worker.join(10)
        report["live_loaded"] = trip_summary(loaded)
        report["load_seconds"] = round(load1[1] - load0[1], 1)
        report["requests"] = sum(len(v) for v in recorder.times.values())
        report["pages"] = {
            kind: {
                "n": len(times),
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "max_ms": round(max(times), 1),
            }
            for kind, times in sorted(recorder.times.items())
        }
        report["errors"] = dict(recorder.errors)
        report["processes"] = {
            name: {
                "cpu_idle_percent": percent(idle0, idle1, name),
                "cpu_load_percent": percent(load0, load1, name),
                "cpu_seconds_load": round(load1[0][name] - load0[0][name], 1),
                "rss_kib": samplers[name].rss_kib(),
            }
            for name in samplers
        }
        if report["requests"]:
            spent = sum(row["cpu_seconds_load"] for row in report["processes"].values())
            report["cpu_ms_per_request"] = round(1000 * spent / report["requests"], 1)
        if proxy is not None:
            report["nginx"] = {"routed": routed(proxy, servers), "error_log_errors": proxy.error_log().count("[error]")}
    idle_p95, loaded_p95 = report["live_idle"]["p95_ms"], report["live_loaded"]["p95_ms"]
    report["live_ratio_p95"] = round(loaded_p95 / idle_p95, 2) if idle_p95 else None
    report["within_2x"] = bool(report["live_ratio_p95"] is not None and report["live_ratio_p95"] <= 2.0)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report)
    return 0 if report["within_2x"] else 1


def percent(before: tuple[dict, float], after: tuple[dict, float], name: str) -> float:
    """A process's CPU time between two samples, in percent of one core."""
    return round(100 * (after[0][name] - before[0][name]) / (after[1] - before[1]), 1)


def print_report(report: dict) -> None:
    print(
        f"{report['citizens']} citizens over {report['minutes']} min, {report['recommendations']} recommendations, "
        f"{report['database']}, {report['deployment']}: {report['requests']} requests in {report['load_seconds']} s"
    )
    print(f"{'page':<16}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, row in report["pages"].items():
        print(f"{kind:<16}{row['n']:>7}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}")
    print(f"errors: {report['errors'] or 'none'}")
    for name, row in report["processes"].items():
        print(
            f"{name} process CPU: idle {row['cpu_idle_percent']} % of a core, under load {row['cpu_load_percent']} %"
            f" ({row['cpu_seconds_load']} s), RSS {row['rss_kib']} KiB"
        )
    print(f"app CPU per request under load: {report.get('cpu_ms_per_request')} ms (all app processes)")
    if "nginx" in report:
        print(
            f"nginx sent: {report['nginx']['routed']}; [error] lines in its log: {report['nginx']['error_log_errors']}"
        )
    for name in ("live_idle", "live_loaded"):
        row = report[name]
        print(
            f"{name}: {row['n']} posts, ack p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, max {row['max_ms']} ms, errors {row['errors'] or 'none'}"
        )
    print(f"loaded/idle p95: {report['live_ratio_p95']} ({'within' if report['within_2x'] else 'NOT within'} 2x)")


if __name__ == "__main__":
    sys.exit(main())
