"""Build time and size of the outcome report in every format, for workshops of 100, 1,000 and 5,000 items.

Each size gets a fresh SQLite workshop filled through the services (the Ait Amira axes, 60 participants, problems
with solutions, votes, three recommendations per axis); then each format is built --repeat times in this process and
the best and median wall times, the best CPU time of this process (steadier than wall time on a shared machine), the
output size and, from one more run, the peak traced allocation (tracemalloc) are printed.

    .venv/bin/python bench/report_build.py                 # 100, 1000, 5000 items; every format; lang ar
    .venv/bin/python bench/report_build.py --items 1000 --formats pdf docx --lang ar+fr --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from consult import create_app  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Commune, User  # noqa: E402
from consult.reports.export import FORMATS, render  # noqa: E402
from consult.services import unit_of_work  # noqa: E402
from consult.services.access import Actor  # noqa: E402
from consult.services.items import post_item  # noqa: E402
from consult.services.participants import choose_group, join_workshop  # noqa: E402
from consult.services.phases import set_phase  # noqa: E402
from consult.services.recommendations import save_recommendation  # noqa: E402
from consult.services.votes import cast_vote  # noqa: E402
from consult.services.workshops import create_workshop, open_workshop, update_settings  # noqa: E402

PROBLEM = "غياب حاويات النفايات قرب السوق الأسبوعي وتراكم الأزبال في مداخل الدواوير رقم {n}"
SOLUTION = "Installer des conteneurs et fixer un calendrier de collecte avec les associations, point {n}"


def fill(items: int):
    """A workshop of about `items` items; returns it."""
    commune = Commune(name_ar="جماعة أيت عميرة", name_fr="Ait Amira")
    user = User(commune=commune, email="bench@example.ma", name="Bench", role="facilitator")
    user.set_password("x")
    db.session.add(user)
    db.session.commit()
    me = Actor(user=user)
    with unit_of_work():
        workshop = create_workshop(user, title="ورشة القياس", language="ar")
        db.session.flush()
        update_settings(workshop, user, phase_actions={"problems": ["problem", "solution"]}, votes_per_participant=20)
        open_workshop(workshop, user)
        set_phase(workshop, me, "problems")
    people = []
    for n in range(60):
        with unit_of_work():
            p, _ = join_workshop(
                workshop, consent=True, nickname=f"p{n}", category="citizen", gender="female" if n % 2 else "male"
            )
            choose_group(p, workshop.groups[n % 3].id)
        people.append(p)
    made = []
    for n in range(items):
        who = people[n % len(people)]
        parent = next((i for i in reversed(made) if i.kind == "problem" and i.group_id == who.group_id), None)
        kind = "solution" if n % 2 and parent else "problem"
        with unit_of_work():
            item, _ = post_item(
                workshop,
                who,
                group_id=who.group_id,
                kind=kind,
                text=(SOLUTION if kind == "solution" else PROBLEM).format(n=n),
                client_id=f"b{n}",
                parent_id=parent.id if kind == "solution" else None,
            )
            item.created_at = item.created_at.replace(year=2000)  # keeps the 20-a-minute limit out of the way
        made.append(item)
    with unit_of_work():
        set_phase(workshop, me, "prioritization")
    for n, who in enumerate(people):
        with unit_of_work():
            cast_vote(workshop, who, item_id=made[(n * 7) % len(made)].id, client_id=f"v{n}")
    for theme in workshop.themes:
        ids = [i.id for i in made if i.group.theme_id == theme.id][:5]
        for r in range(3):
            with unit_of_work():
                save_recommendation(
                    workshop, me, {"theme_id": theme.id, "title": f"توصية {r + 1}", "item_ids": ids if r == 0 else []}
                )
    return workshop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--lang", default="ar", choices=["ar", "fr", "ar+fr"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run (slow for big PDFs)")
    args = parser.parse_args()
    print(f"{'items':>6} {'format':>6} {'best s':>8} {'median s':>9} {'cpu s':>8} {'bytes':>11} {'peak MiB':>9}")
    for size in args.items:
        with tempfile.TemporaryDirectory() as folder:
            config = type("Bench", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
            app = create_app(config)
            with app.app_context():
                db.create_all()
                started = time.perf_counter()
                workshop = fill(size)
                print(
                    f"# {size} items filled through the services in {time.perf_counter() - started:.1f} s", flush=True
                )
                for fmt in args.formats:
                    times, cpu, size_bytes = [], [], 0
                    for _ in range(args.repeat):
                        db.session.expire_all()
                        t0, c0 = time.perf_counter(), time.process_time()
                        data = render(workshop, fmt, lang=args.lang, public=True)
                        times.append(time.perf_counter() - t0)
                        cpu.append(time.process_time() - c0)
                        size_bytes = len(data)
                    # Memory in a separate run: tracemalloc slows allocation-heavy code several times over.
                    peak = float("nan")
                    if not args.no_memory:
                        db.session.expire_all()
                        tracemalloc.start()
                        render(workshop, fmt, lang=args.lang, public=True)
                        peak = tracemalloc.get_traced_memory()[1]
                        tracemalloc.stop()
                    print(
                        f"{size:>6} {fmt:>6} {min(times):>8.3f} {statistics.median(times):>9.3f} {min(cpu):>8.3f} "
                        f"{size_bytes:>11,} "
                        f"{peak / 2**20:>9.1f}",
                        flush=True,
                    )
                db.session.remove()


if __name__ == "__main__":
    main()
