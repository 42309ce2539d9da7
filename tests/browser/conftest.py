"""A real server process and Debian's Chromium driven by Playwright.

Screenshots land in tests/artifacts/ (ignored by git) so that a person can look at what the tests saw.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.liveserver import LiveServer, clone_sqlite, start_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip("browser tests need Chromium (apt-get install -y chromium) or CHROMIUM=<path to it>")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, prepared_db) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("browser")
    server = start_server(folder, prepared=clone_sqlite(prepared_db, folder / "live.sqlite"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A new phone: its own cookies and storage, 390x844, touch."""
    contexts = []

    def _phone(**options):
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ar-MA", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _phone
    for context in contexts:
        context.close()


@pytest.fixture
def desk(browser):
    """The facilitator's laptop, in English (it logs in itself)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str, *, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def keep(page, name: str, *, full_page: bool = False) -> Path:
    """A screenshot in tests/artifacts/, and in docs/screenshots/ when DOCS_SCREENSHOTS=1 (`make screenshots`).

    A plain test run leaves the tree clean: the documented pictures change only when someone means to renew them.
    """
    path = shot(page, name, full_page=full_page)
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")
    return path
