"""How a commune answers 300 comments in an afternoon: the queue page driven as a person would, clicks counted.

Starts one `python app.py` (tests/liveserver.py, fresh SQLite) with a published process of --recommendations draft
recommendations and --comments published comments (tests/consultation_seed.py: a mix of "not taken into account",
"taken into account", "already covered by recommendation N" and duplicates of an earlier comment). A laptop's
Chromium (Playwright) logs in as the facilitator, opens the consultation's queue and answers every comment the way
its plan says, one after the other, as they come in the page. Each click (a radio, opening a fold, picking in a list,
a submit) and each typed answer or number is counted; a pick in a list counts as two clicks (open it, choose).

Prints clicks per answer (by kind and overall), characters typed per answer, the queue page's size, and answers per
minute as the page and server allow (the machine's floor: a person adds reading and typing time).

    .venv/bin/python bench/answer_clicks.py                   # 300 comments
    .venv/bin/python bench/answer_clicks.py --comments 40 --json

Method and figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWERS = {
    "not_taken": "ليس من اختصاص الجماعة، نحيله على المصالح المعنية",
    "taken": "أضفنا هذا إلى التوصية في صيغتها الجديدة",
}


def seed(database_url: str, recommendations: int, comments: int) -> dict:
    from consult.extensions import db
    from tests.conftest import build_app
    from tests.consultation_seed import seed_consultation

    app = build_app(database_url)
    with app.app_context():
        seeded = seed_consultation(recommendations=recommendations, comments=comments)
        info = {"process_id": seeded.process.id, "email": seeded.facilitator.email, "plan": seeded.plan}
        db.session.remove()
        db.engine.dispose()
    return info


class Hand:
    """The person's hand on the page: every action goes through here and is counted."""

    def __init__(self, page) -> None:
        self.page = page
        self.clicks = 0
        self.typed = 0

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def pick(self, locator, value: str) -> None:
        locator.select_option(value)
        self.clicks += 2

    def type(self, locator, text: str) -> None:
        locator.fill(text)
        self.typed += len(text)


def answer(hand: Hand, page, comment_id: int, intent: str, target: int | None) -> None:
    form = page.locator(f"form.answer-form#c{comment_id}")
    if intent == "merge":
        fold = form.locator("details").filter(has=page.locator(f"button[form=merge-{comment_id}]"))
        hand.click(fold.locator("summary"))
        into = fold.locator("select[name=into], input[name=into]")
        if into.evaluate("e => e.tagName") == "SELECT":
            hand.pick(into, str(target))
        else:  # the comment's number, typed
            hand.type(into, str(target))
        with page.expect_navigation():
            hand.click(fold.locator(f"button[form=merge-{comment_id}]"))
        return
    hand.click(form.locator(f"input[name$=-response][value={intent}]"))
    if intent == "covered":
        covered = form.locator("select[name$=-covered_by]")
        if not covered.is_visible():
            hand.click(form.locator("details summary").first)
        hand.pick(covered, str(target))
    else:
        hand.type(form.locator("textarea[name$=-text]"), ANSWERS[intent])
    with page.expect_navigation():
        hand.click(form.locator("button[type=submit]:not([form])").last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--recommendations", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.conftest import PASSWORD
    from tests.liveserver import prepare_database, start_server

    folder = Path(tempfile.mkdtemp(prefix="answer-clicks-"))
    database_url = f"sqlite:///{folder / 'live.sqlite'}"
    prepared = prepare_database(database_url)
    info = seed(database_url, args.recommendations, args.comments)
    plan: dict[int, tuple[str, int | None]] = info["plan"]
    server = start_server(folder, prepared=prepared)
    clicks: dict[str, list[int]] = defaultdict(list)
    typed: dict[str, list[int]] = defaultdict(list)
    seconds: dict[str, list[float]] = defaultdict(list)
    sizes: list[int] = []
    failed: Counter = Counter()
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="ar-MA")
            page.set_default_timeout(60_000)
            page.goto(server.url + "/login")
            page.fill("input[name=email]", info["email"])
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(re.compile("/facilitate"))
            queue = f"{server.url}/processes/{info['process_id']}/consultation"
            response = page.goto(queue)
            sizes.append(len(response.body()))
            started = time.perf_counter()
            for comment_id, (intent, target) in sorted(plan.items()):
                hand = Hand(page)
                begun = time.perf_counter()
                try:
                    answer(hand, page, comment_id, intent, target)
                except Exception as error:  # counted, and the page reloaded for the next one
                    failed[f"{intent} {type(error).__name__}"] += 1
                    page.goto(queue)
                    continue
                if page.locator(".flash-error").count():
                    failed[f"{intent} refused"] += 1
                seconds[intent].append(time.perf_counter() - begun)
                clicks[intent].append(hand.clicks)
                typed[intent].append(hand.typed)
            elapsed = time.perf_counter() - started
            response = page.goto(queue)
            sizes.append(len(response.body()))
            left = page.locator("#unanswered form.answer-form").count()
            browser.close()
    finally:
        server.stop()
    done = sum(len(v) for v in clicks.values())
    every_click = [c for v in clicks.values() for c in v]
    report = {
        "comments": args.comments,
        "answered": done,
        "left_unanswered": left,
        "failed": dict(failed),
        "clicks_per_answer": round(sum(every_click) / done, 2) if done else None,
        "typed_chars_per_answer": round(sum(sum(v) for v in typed.values()) / done, 1) if done else None,
        "by_kind": {
            intent: {
                "n": len(clicks[intent]),
                "clicks": round(sum(clicks[intent]) / len(clicks[intent]), 2),
                "typed_chars": round(sum(typed[intent]) / len(typed[intent]), 1),
                "seconds": round(sum(seconds[intent]) / len(seconds[intent]), 2),
            }
            for intent in sorted(clicks)
        },
        "queue_page_kib": {"first": round(sizes[0] / 1024), "last": round(sizes[-1] / 1024)},
        "minutes": round(elapsed / 60, 2),
        "answers_per_minute": round(done / (elapsed / 60), 1) if elapsed else None,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(
            f"{done} of {args.comments} comments answered in {report['minutes']} min ({left} left, failed: {dict(failed) or 'none'})"
        )
        print(
            f"clicks per answer {report['clicks_per_answer']}, characters typed per answer {report['typed_chars_per_answer']}"
        )
        for intent, row in report["by_kind"].items():
            print(
                f"  {intent:<10} n={row['n']:<4} clicks {row['clicks']:<5} typed {row['typed_chars']:<6} {row['seconds']} s each"
            )
        print(
            f"queue page: {report['queue_page_kib']['first']} KiB at first, {report['queue_page_kib']['last']} KiB at the end"
        )
        print(f"answers per minute (page and server only): {report['answers_per_minute']}")
    return 0 if left == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
