"""The consultation on the draft as a citizen meets it on a phone (Arabic and French, script on and off), and as the
commune moderates and answers it on a laptop; screenshots in docs/screenshots/consultation-*.png."""

from __future__ import annotations

import re
import uuid

import pytest
from flask_babel import force_locale, gettext

from consult.extensions import db
from tests.browser.conftest import keep
from tests.browser.test_phone_and_board import no_horizontal_scroll
from tests.conftest import PASSWORD, build_app
from tests.consultation_seed import seed_consultation
from tests.liveserver import prepare_database, start_server

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
DIRECTIONS = {"ar": "rtl", "fr": "ltr"}
# Each run supports its own recommendation, so that every count starts at 0 whatever ran before.
RUNS = [("ar", True, 0), ("ar", False, 1), ("fr", True, 2), ("fr", False, 3)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server whose database holds a published process with 4 draft recommendations over 3 axes, open."""
    folder = tmp_path_factory.mktemp("consultation")
    url = f"sqlite:///{folder / 'live.sqlite'}"
    prepared = prepare_database(url)
    app = build_app(url)
    with app.app_context():
        seeded = seed_consultation(recommendations=4)
        info = {
            "path": seeded.path,
            "process_id": seeded.process.id,
            "recs": [r.id for r in seeded.recommendations],
            "email": seeded.facilitator.email,
        }
        db.session.remove()
        db.engine.dispose()
    server = start_server(folder, prepared=prepared)
    yield server, info, app
    server.stop()


def translated(app, lang: str, message: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message)


def press_support(page, rec_id: int, *, script: bool) -> None:
    """Press the recommendation's support button; with the script on, the page must not reload."""
    page.evaluate("window.notReloaded = true")
    page.locator(f"#r{rec_id} .support-form button").click()
    if not script:
        page.wait_for_load_state("load")


@pytest.mark.parametrize(("lang", "script", "index"), RUNS, ids=[f"{r[0]}-{'js' if r[1] else 'nojs'}" for r in RUNS])
def test_a_citizen_reads_supports_and_comments_on_a_phone(site, phone, lang, script, index):
    server, info, app = site
    rec_id = info["recs"][index]
    page = phone(java_script_enabled=script)
    page.goto(f"{server.url}{info['path']}?lang={lang}")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, DIRECTIONS[lang])
    # The draft, axis by axis: three axes, each with its recommendations, all on one page.
    expect(page.locator(".consult-axis")).to_have_count(3)
    expect(page.locator(".consult-axis h2")).to_have_count(3)
    expect(page.locator(".rec")).to_have_count(4)
    assert no_horizontal_scroll(page)

    row = page.locator(f"#r{rec_id}")
    button = row.locator(".support-form button")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(row.locator(".supports")).to_contain_text("0")
    press_support(page, rec_id, script=script)
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".supports")).to_contain_text("1")
    assert page.evaluate("window.notReloaded === true") is script  # the script answered in place
    assert no_horizontal_scroll(page)
    if index in (0, 2):
        keep(page, f"consultation-phone-{lang}", full_page=True)
    press_support(page, rec_id, script=script)
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(row.locator(".supports")).to_contain_text("0")

    # A comment sent without accepting the notice is refused, in the reader's language, and kept in the form.
    text = f"تعليق {lang} {uuid.uuid4().hex[:6]} — et le souk du jeudi ?"
    row.locator(".rec-meta a").click()
    page.wait_for_url(re.compile(rf"/consultation/{rec_id}$"))
    page.fill("textarea[name=text]", text)
    page.locator("form button[type=submit]").click()
    refusal = translated(app, lang, "Please read the notice on your data and accept it to comment.")
    expect(page.locator(".error[role=alert]")).to_have_text(refusal)
    expect(page.locator("textarea[name=text]")).to_have_value(text)
    assert no_horizontal_scroll(page)

    page.check("input[name=consent]")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/consultation/{rec_id}$"))
    waiting = page.locator(".contribution.waiting")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".contribution-text")).to_have_text(text)
    expect(page.locator(".flash-success")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == lang
    assert no_horizontal_scroll(page)
    if index in (0, 2):
        keep(page, f"consultation-phone-{lang}-comment", full_page=True)

    # Another phone sees nothing of it while it waits.
    other = phone(java_script_enabled=script)
    other.goto(page.url)
    expect(other.locator(".contribution.waiting")).to_have_count(0)
    assert text not in other.content()


def test_the_commune_approves_and_answers_and_the_citizen_sees_the_answer(site, phone, desk):
    server, info, app = site
    rec_id = info["recs"][0]
    citizen = phone(java_script_enabled=False)
    citizen.goto(f"{server.url}{info['path']}/{rec_id}")
    text = f"نريد حاويات في الدوار أيضا {uuid.uuid4().hex[:6]}"
    citizen.fill("textarea[name=text]", text)
    citizen.check("input[name=consent]")
    citizen.locator("form button[type=submit]").click()
    expect(citizen.locator(".contribution.waiting .contribution-text")).to_have_text(text)

    desk.goto(server.url + "/login")
    desk.fill("input[name=email]", info["email"])
    desk.fill("input[name=password]", PASSWORD)
    desk.click("form button[type=submit]")
    desk.wait_for_url(re.compile("/facilitate"))
    desk.goto(f"{server.url}/processes/{info['process_id']}/consultation")
    waiting = desk.locator("#waiting .queue-row")
    mine = waiting.filter(has_text=text)
    expect(mine).to_have_count(1)
    expect(mine.locator("input[name=ids]")).to_be_checked()  # ticked by default: one click publishes them all
    desk.locator("#waiting button[value=approve]").click()
    desk.wait_for_url(re.compile(r"/consultation#waiting$"))
    expect(desk.locator("#waiting .queue-row")).to_have_count(0)

    # Other forms name it in their "same as another comment" list: find the form whose own text it is.
    form = desk.locator("#unanswered .answer-form").filter(has=desk.locator(".contribution-text", has_text=text))
    expect(form).to_have_count(1)
    form.locator("input[name$=response][value=taken]").check()
    answer = "سنضيف الدواوير إلى برنامج الحاويات في السنة الأولى"
    form.locator("textarea[name$=-text]").fill(answer)
    keep(desk, "consultation-queue", full_page=True)
    form.locator("button[type=submit]").last.click()
    desk.wait_for_load_state("load")
    expect(desk.locator("#answered")).to_contain_text(answer)

    citizen.reload()
    published = citizen.locator(".contributions .contribution").filter(has_text=text)
    expect(published).to_have_count(1)
    expect(published.locator(".response")).to_contain_text(answer)
    expect(citizen.locator(".contribution.waiting")).to_have_count(0)
    keep(citizen, "consultation-phone-ar-answer", full_page=True)
