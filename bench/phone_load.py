"""The phone's room page on a weak network: bytes on a first and a repeat visit, and how soon it is usable.

A real `python app.py` serves the demo workshop behind a small TCP proxy that counts every byte the phone
receives (headers, bodies, the socket's frames, and what the service worker fetches, which the page's own network
log never sees). Chromium (Playwright, 390x844, touch) joins the workshop in one browser context; a second, fresh
context with the same cookies and an empty cache then opens the room under slow 3G (400 kbit/s each way, 400 ms
round trip, Network.emulateNetworkConditions over CDP), twice: a first visit and a repeat visit.

Usable: the page has painted its post form and its status says live (the socket is connected), on the page's
clock from the navigation's start.

    .venv/bin/python bench/phone_load.py [--lang ar] [--chromium /path/to/chromium]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.liveserver import LinkProxy, start_server  # noqa: E402

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
TARGETS = {"first visit": 100 * 1024, "repeat visit": 10 * 1024}
USABLE_TARGET_S = 3.0


# The page's own clock (from the navigation's start) when the post form shows and the status says live: the bench's
# clock adds the browser's and Playwright's own delays, which varied by up to 0.9 s between runs.
USABLE_WATCH = """(() => {
  const seen = () => {
    const conn = document.getElementById("conn"), form = document.getElementById("post-form");
    if (window.__usable === undefined && conn && conn.classList.contains("online") && form && form.offsetParent)
      window.__usable = performance.now();
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
})();"""


# The service worker is active and keeps the room: what it fetches to get there belongs to this visit.
KEPT = """async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'
  && !!(await caches.match(location.href))"""


def visit(page, url: str) -> dict[str, float]:
    """Open the room and wait until it is usable and quiet; returns seconds to first paint and to usable."""
    start = time.monotonic()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("#post-form", state="visible", timeout=60_000)
    page.wait_for_selector("#conn.online", timeout=60_000)
    waited = time.monotonic() - start
    usable = page.evaluate("window.__usable / 1000")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle", timeout=60_000)
    deadline = time.monotonic() + 30
    while not page.evaluate(KEPT) and time.monotonic() < deadline:  # wait_for_function would not await it
        page.wait_for_timeout(100)
    paint = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime / 1000"
    )
    asked = page.evaluate("performance.getEntriesByType('navigation')[0].requestStart / 1000")
    page.wait_for_timeout(1000)  # what the socket and the service worker fetch just after
    return {"paint": paint, "usable": usable, "waited": waited, "asked": asked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
    parser.add_argument("--lang", default="ar", choices=("ar", "fr", "zgh", "en"))
    parser.add_argument("--detail", action="store_true", help="also list what the page itself fetched, by URL")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        proxy = LinkProxy(int(server.url.rsplit(":", 1)[1]))
        base = f"http://127.0.0.1:{proxy.port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                joining = browser.new_context(**phone)
                page = joining.new_page()
                page.goto(f"{base}/j/{server.code}?lang={args.lang}")
                page.check("input[name=consent]")
                page.click("form.card button[type=submit]")
                page.locator(".group-picker button").first.click()
                page.wait_for_selector("#post-form")
                room = page.url
                cookies = joining.storage_state()
                joining.close()

                context = browser.new_context(storage_state=cookies, **phone)
                page = context.new_page()
                page.add_init_script(USABLE_WATCH)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                urls: dict[str, str] = {}
                sent: dict[str, float] = {}
                fetched: list[tuple[str, int, float, float]] = []  # url, bytes, asked at, finished at (CDP clock)
                cdp.on("Network.requestWillBeSent", lambda e: sent.setdefault(e["requestId"], e["timestamp"]))
                cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
                cdp.on(
                    "Network.loadingFinished",
                    lambda e: fetched.append(
                        (
                            urls.get(e["requestId"], "?"),
                            int(e["encodedDataLength"]),
                            sent.get(e["requestId"], 0.0),
                            e["timestamp"],
                        )
                    ),
                )
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                print(f"room page ({args.lang}) under slow 3G: 400 kbit/s, 400 ms")
                ok = True
                for name in ("first visit", "repeat visit"):
                    proxy.take()
                    if name == "repeat visit":
                        page.goto("about:blank")
                    times = visit(page, room)
                    received = proxy.take()
                    ok &= received <= TARGETS[name]
                    line = f"{name:13} {received / 1024:7.1f} KB (target <= {TARGETS[name] // 1024} KB)"
                    line += f"   first paint {times['paint']:.2f} s   usable {times['usable']:.2f} s"
                    if name == "first visit":
                        ok &= times["usable"] <= USABLE_TARGET_S
                        line += f" (target <= {USABLE_TARGET_S:.0f} s; {times['waited']:.2f} s by the bench's clock)"
                    print(line)
                    if args.detail:
                        print(f"    the page was asked for {times['asked']:.2f} s after the navigation's start")
                        # Seconds from the first request: when each was asked for, and when it had arrived.
                        zero = min((asked for _url, _size, asked, _done in fetched if asked), default=0.0)
                        for url, size, asked, done in sorted(fetched, key=lambda row: row[2]):
                            print(
                                f"    {size:7} {asked - zero:5.2f}-{done - zero:5.2f} s  {url.replace(base, '')[:100]}"
                            )
                    fetched.clear()
                print("targets met" if ok else "targets missed")
                context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
