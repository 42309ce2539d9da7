"""Lighthouse's mobile audit of the phone's room page, in Arabic and French: performance, accessibility, best practices.

A real `python app.py` serves the demo workshop; a participant joins through the plain forms, and Lighthouse (from
npm, run with npx so that the project does not carry it) audits the room with that participant's cookie, on
Debian's Chromium, with Lighthouse's own mobile throttling.

    .venv/bin/python bench/lighthouse.py [--chromium /usr/bin/chromium] [--version 12.2.3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.liveserver import csrf_token, start_server  # noqa: E402

LANGUAGES = ("ar", "fr")
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")


def participant_cookie(url: str, code: str) -> str:
    """Join and sit at the first group, as a phone without JavaScript would; the session cookie says who we are."""
    phone = requests.Session()
    phone.post(f"{url}/j/{code}", data={"csrf_token": csrf_token(phone.get(f"{url}/j/{code}").text), "consent": "y"})
    room = phone.get(f"{url}/w/{code}").text
    group = room.split('name="group_id" value="', 1)[1].split('"', 1)[0]
    phone.post(f"{url}/w/{code}/group", data={"csrf_token": csrf_token(room), "group_id": group})
    return "; ".join(f"{c.name}={c.value}" for c in phone.cookies)


def audit(url: str, cookie: str, chromium: str, version: str, out: Path) -> dict:
    headers = out.with_suffix(".headers.json")
    headers.write_text(json.dumps({"Cookie": cookie}))
    subprocess.run(
        [
            "npx", "--yes", f"lighthouse@{version}", url, "--quiet", "--form-factor=mobile",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage",
            f"--extra-headers={headers}", "--output=json", f"--output-path={out}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": chromium},
        timeout=300,
    )  # fmt: skip
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))
    parser.add_argument("--version", default="12.2.3", help="Lighthouse's version (12.2 runs on Node 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            print("room page | performance | accessibility | best practices | FCP | LCP | TBT | CLS | bytes")
            for lang in LANGUAGES:
                cookie = participant_cookie(server.url, server.code)
                report = audit(
                    f"{server.url}/w/{server.code}?lang={lang}", cookie, args.chromium, args.version,
                    Path(tmp) / f"room-{lang}.json",
                )  # fmt: skip
                scores = [round(c["score"] * 100) for c in report["categories"].values()]
                audits = report["audits"]
                metrics = [audits[m]["displayValue"] for m in METRICS]
                print(" | ".join([lang, *map(str, scores), *metrics, audits["total-byte-weight"]["displayValue"]]))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
