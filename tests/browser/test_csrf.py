"""CSRF on, in Chromium: the real forms work with the token the page carries, and a token tampered with in the
page is refused with a message the person can read, and changes nothing."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

EXPIRED_EN = "This form has expired. Go back, reload the page and try again."
EXPIRED_AR = "انتهت صلاحية هذه الاستمارة. ارجع وأعد تحميل الصفحة ثم حاول مرة أخرى."
TAMPER = "document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = i.value.slice(0, -4) + 'AAAA' })"


def participants(server, code: str) -> int:
    return requests.get(f"{server.url}/api/v1/workshops/{code}", timeout=10).json()["counts"]["participants"]


def submit(page, button) -> int:
    """Click a submit button and return the status of the page it leads to."""
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value.status


class TestFormsWithCsrf:
    def test_the_server_runs_with_csrf_on(self, server):
        page = requests.get(f"{server.url}/login", timeout=10).text
        assert re.search(r'name="csrf_token"[^>]*value="[^"]{20,}"', page)
        refused = requests.post(f"{server.url}/login", data={"email": server.email, "password": server.password})
        assert refused.status_code == 400

    def test_a_facilitator_drives_every_form_with_the_pages_token(self, server, browser):
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        desk.set_default_timeout(10_000)
        try:
            page = desk.new_page()
            page.on("dialog", lambda dialog: dialog.accept())  # the close button asks first
            page.goto(f"{server.url}/login?lang=en")
            page.fill("input[name=email]", server.email)
            page.fill("input[name=password]", server.password)
            assert submit(page, page.locator("form button[type=submit]")) == 200
            page.wait_for_url(re.compile("/facilitate"))

            page.goto(f"{server.url}/facilitate/new?lang=en")
            page.fill("input[name=title]", "Atelier CSRF")
            assert submit(page, page.get_by_role("button", name="Create the workshop")) == 200
            page.wait_for_url(re.compile(r"/facilitate/[A-Z0-9]{6}"))
            code = page.url.rsplit("/", 1)[-1].split("?")[0]

            page.fill("input[name=title]", "Atelier CSRF, corrigé")
            assert submit(page, page.get_by_role("button", name="Save")) == 200
            expect(page.locator("h1")).to_have_text("Atelier CSRF, corrigé")

            assert submit(page, page.locator("form[action$='/open'] button")) == 200
            expect(page.locator(".status-open")).to_be_visible()
            page.select_option("select[name=phase]", "solutions")
            assert submit(page, page.get_by_role("button", name="Change the phase")) == 200
            expect(page.locator("select[name=phase]")).to_have_value("solutions")
            assert submit(page, page.locator("form[action$='/close'] button")) == 200
            expect(page.locator(".status-closed")).to_be_visible()

            page.goto(f"{server.url}/facilitate/?lang=en")
            assert submit(page, page.locator("form[action$='/logout'] button")) == 200
            page.goto(f"{server.url}/facilitate/{code}")
            page.wait_for_url(re.compile("/login"))
        finally:
            desk.close()

    def test_a_phone_without_javascript_joins_picks_a_group_and_posts(self, server, phone):
        page = phone(java_script_enabled=False)
        page.goto(f"{server.url}/")
        page.fill("input[name=code]", server.code.lower())
        assert submit(page, page.locator("form button[type=submit]")) == 200
        page.check("input[name=consent]")
        assert submit(page, page.locator("form.card button[type=submit]")) == 200
        page.wait_for_url(re.compile(f"/w/{server.code}"))
        assert submit(page, page.locator(".group-picker button").first) == 200
        page.fill("textarea[name=text]", "طريق غير معبدة قرب المدرسة")
        assert submit(page, page.locator("#post-form button[type=submit]")) == 200
        expect(page.locator(".item-text", has_text="طريق غير معبدة قرب المدرسة")).to_be_visible()

    def test_a_login_whose_token_was_tampered_with_is_refused_with_the_message(self, server, browser):
        desk = browser.new_context(locale="en-US")
        try:
            page = desk.new_page()
            page.goto(f"{server.url}/login?lang=en")
            page.fill("input[name=email]", server.email)
            page.fill("input[name=password]", server.password)
            page.evaluate(TAMPER)
            assert submit(page, page.locator("form button[type=submit]")) == 400
            expect(page.get_by_role("heading", name=EXPIRED_EN)).to_be_visible()
            page.goto(f"{server.url}/facilitate/")
            page.wait_for_url(re.compile("/login"))  # not logged in
        finally:
            desk.close()

    def test_a_join_whose_token_was_tampered_with_is_refused_in_arabic(self, server, phone):
        page = phone()
        before = participants(server, server.code)
        page.goto(f"{server.url}/j/{server.code}")
        page.fill("input[name=nickname]", "سلمى")
        page.check("input[name=consent]")
        page.evaluate(TAMPER)
        assert submit(page, page.locator("form.card button[type=submit]")) == 400
        expect(page.get_by_role("heading", name=EXPIRED_AR)).to_be_visible()
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert participants(server, server.code) == before
