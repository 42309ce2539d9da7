"""How heavy is the phone's room page in each language? Bytes a phone downloads, by kind, on a first visit.

A real `python app.py` serves the demo workshop; Chromium (Playwright, 390x844) joins it, then opens the room in
Arabic, French, Tamazight and English with an empty cache each time, and counts the bytes of every response
(HTML, CSS, scripts, fonts), naming the fonts it fetched: unicode-range should fetch only the scripts on screen.

    .venv/bin/python bench/page_weight.py [--chromium /path/to/chromium]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.liveserver import start_server  # noqa: E402

LANGUAGES = ("ar", "fr", "zgh", "en")


def kind(url: str, resource_type: str) -> str:
    if url.endswith(".woff2"):
        return "font"
    return {"document": "html", "stylesheet": "css", "script": "js"}.get(resource_type, resource_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                print(f"{'lang':5} {'html':>7} {'css':>7} {'js':>7} {'font':>7} {'total':>8}  fonts fetched")
                for lang in LANGUAGES:
                    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
                    page = context.new_page()
                    page.goto(f"{server.url}/j/{server.code}?lang={lang}")
                    page.check("input[name=consent]")
                    page.click("form.card button[type=submit]")
                    page.locator(".group-picker button").first.click()
                    page.wait_for_selector("#post-form")
                    sizes: dict[str, int] = defaultdict(int)
                    fonts: list[str] = []

                    def count(response, sizes=sizes, fonts=fonts) -> None:
                        body = response.body()
                        sizes[kind(response.url, response.request.resource_type)] += len(body)
                        if response.url.endswith(".woff2"):
                            fonts.append(re.sub(r".*/|\.woff2$", "", response.url))

                    page.on("response", count)
                    # A first visit's cost: nothing cached, the room as a phone opens it.
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                    page.reload(wait_until="networkidle")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    page.wait_for_timeout(300)
                    total = sum(sizes.values())
                    row = " ".join(f"{sizes.get(k, 0):>7}" for k in ("html", "css", "js", "font"))
                    print(f"{lang:5} {row} {total:>8}  {', '.join(sorted(fonts))}")
                    context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
