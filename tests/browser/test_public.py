"""The public pages read as a citizen would: a phone and a laptop, Arabic, French and Tamazight, JavaScript off."""

from __future__ import annotations

import pytest

from consult.extensions import db
from tests.browser.conftest import PHONE, keep
from tests.browser.test_phone_and_board import no_horizontal_scroll
from tests.conftest import build_app
from tests.liveserver import prepare_database, start_server
from tests.public_process import PENDING_TEXT, published_ait_amira

pytestmark = pytest.mark.browser

DIRECTIONS = {"ar": "rtl", "fr": "ltr", "zgh": "ltr"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server whose database holds the demo and the published Ait Amira process; yields (server, page, rec path)."""
    folder = tmp_path_factory.mktemp("public")
    url = f"sqlite:///{folder / 'live.sqlite'}"
    prepared = prepare_database(url)
    app = build_app(url)
    with app.app_context():
        published = published_ait_amira()
        page = f"/p/{published.process.commune.slug}/{published.process.slug}"
        rec = f"{page}/recommendations/{published.recommendations[0].id}"
        db.session.remove()
        db.engine.dispose()
    server = start_server(folder, prepared=prepared)
    yield server, page, rec
    server.stop()


def reader(browser, width: int, height: int, *, phone: bool):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    return context


def look(page, name: str) -> None:
    keep(page, name, full_page=True)


@pytest.mark.parametrize("lang", list(DIRECTIONS))
def test_a_citizen_reads_the_process_and_a_recommendation(site, browser, lang):
    server, page_path, rec_path = site
    for device, (width, height) in (("phone", (PHONE["width"], PHONE["height"])), ("laptop", (1280, 800))):
        context = reader(browser, width, height, phone=device == "phone")
        try:
            page = context.new_page()
            page.goto(f"{server.url}{page_path}?lang={lang}")
            html = page.locator("html")
            assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, DIRECTIONS[lang])
            assert page.locator("h1").inner_text().startswith("برنامج الجماعة المنفتحة")
            assert page.locator(".rec").count() == 2
            assert page.locator(".rec .meter-value").first.inner_text() == "100%"
            assert page.locator(".timeline .step").count() == 5
            assert PENDING_TEXT not in page.content()
            assert no_horizontal_scroll(page), (device, lang)
            look(page, f"public-process-{lang}-{device}")
            page.locator(".rec-title").first.click()
            page.wait_for_url(f"**{rec_path}?lang={lang}")  # the link keeps the reader's language
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator(".history li").count() == 3
            assert page.locator(".contribution").count() >= 2
            assert no_horizontal_scroll(page), (device, lang)
            look(page, f"public-recommendation-{lang}-{device}")
            page.go_back()
            page.locator(".workshop-card h3 a").first.click()
            assert page.locator(".contribution").count() == 14  # the hidden, pending and rejected ones are not there
            assert no_horizontal_scroll(page), (device, lang)
            look(page, f"public-workshop-{lang}-{device}")
        finally:
            context.close()
