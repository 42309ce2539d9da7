"""What a participant and a facilitator see, in Chromium: joining, posting, the board moving live, no-JS forms."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def join(page, server, nickname: str):
    """Type the code at the start page, accept the notice, join; returns on the group picker."""
    page.goto(server.url + "/")
    page.fill("input[name=code]", server.code.lower())  # people type lower case; the code is case-blind
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(f"/j/{server.code}$"))
    page.fill("input[name=nickname]", nickname)
    page.check("input[name=consent]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{server.code}"))


def login(page, server):
    page.goto(server.url + "/login")
    page.fill("input[name=email]", server.email)
    page.fill("input[name=password]", server.password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile("/facilitate"))


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def font_share(page, selector: str) -> float:
    """The font size of the first match, as a share of the window's height."""
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize) / innerHeight")


def test_a_phone_joins_and_posts_and_the_board_shows_it_live(server, browser, phone):
    board_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ar-MA")
    board = board_context.new_page()
    try:
        login(board, server)
        board.goto(f"{server.url}/w/{server.code}/board")
        assert board.locator("html").get_attribute("dir") == "rtl"
        board.wait_for_selector("#conn.online")
        before = int(board.locator("#count-participants").inner_text())

        page = phone()
        join(page, server, "أمينة")
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert no_horizontal_scroll(page)
        shot(page, "phone-groups")
        page.locator(".group-picker button").first.click()
        page.wait_for_selector("#post-form")
        page.wait_for_selector("#conn.online")
        # The board, never reloaded, counts her: joins reach the staff's screens as folded counts.
        board.wait_for_function(
            "n => document.getElementById('count-participants').textContent === String(n)", arg=before + 1
        )

        problem = f"غياب حاويات النفايات قرب السوق {uuid.uuid4().hex[:4]}"
        page.fill("textarea[name=text]", problem)
        page.click("#post-form button[type=submit]")
        mine = page.locator(".item.mine", has_text=problem)
        mine.wait_for()
        assert page.url.endswith(f"/w/{server.code}")  # posted over the socket, no page load
        assert mine.locator(".badge-mine").count() == 1
        assert page.locator("textarea[name=text]").input_value() == ""

        # A solution answering that problem nests under it.
        page.check("input[name=kind][value=solution]")
        page.select_option("select[name=parent_id]", label=problem[:80])
        solution = "وضع حاويات وتحديد مواعيد الجمع"
        page.fill("textarea[name=text]", solution)
        page.click("#post-form button[type=submit]")
        thread = page.locator(".thread", has=page.locator(".item-problem", has_text=problem))
        thread.locator(".solutions .item-solution", has_text=solution).wait_for()
        assert no_horizontal_scroll(page)
        shot(page, "phone-room")

        # The board, never reloaded, has both in the first group's column, highlighted as new.
        first_column = board.locator(".column").first
        card = first_column.locator(".item-problem", has_text=problem)
        card.wait_for()
        first_column.locator(".thread .solutions .item-solution", has_text=solution).wait_for()
        assert "fresh" in (card.get_attribute("class") or "")
        # Counted in words, as Arabic does: two items are "مساهمتان", three to ten "3 مساهمات", and so on.
        assert re.fullmatch(r"مساهمتان|\d+ مساهم(ات|ةً|ة)", first_column.locator(".count-group-items").inner_text())
        assert font_share(board, ".board .item-text") >= 0.022
        shot(board, "board-1920")
    finally:
        board_context.close()


def test_the_board_reads_right_to_left_and_fits_a_small_projector(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ar-MA")
    page = context.new_page()
    try:
        login(page, server)
        page.goto(f"{server.url}/w/{server.code}/board")
        columns = page.locator(".column")
        assert columns.count() == 3
        xs = [columns.nth(i).bounding_box()["x"] for i in range(3)]
        assert xs[0] > xs[1] > xs[2]  # the first axis is on the right in Arabic
        assert no_horizontal_scroll(page)
        assert page.locator(".join-code-big").inner_text().strip() == server.code
        # The QR code as the projector shows it decodes to the join link printed beside it.
        scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.locator("img.qr").screenshot())))
        assert [code.text for code in scanned] == [f"{server.url}/j/{server.code}"]
        assert page.locator(".join-url").inner_text().strip() == f"{server.url}/j/{server.code}"
        # Sizes follow the screen, so a 720p projector reads like a 1080p one: judged against the screen's height.
        assert font_share(page, ".column-head h2") >= 0.03
        assert font_share(page, ".join-code-big") >= 0.05
        shot(page, "board-1280")

        page.goto(f"{server.url}/w/{server.code}/board?lang=fr")
        columns = page.locator(".column")
        xs = [columns.nth(i).bounding_box()["x"] for i in range(3)]
        assert page.locator("html").get_attribute("dir") == "ltr"
        assert xs[0] < xs[1] < xs[2]
    finally:
        context.close()


def test_without_javascript_joining_and_posting_still_work(server, phone):
    page = phone(java_script_enabled=False)
    join(page, server, "")
    shot(page, "phone-nojs-groups")
    page.locator(".group-picker button").nth(1).click()
    page.wait_for_selector("#post-form")
    text = f"ضعف التواصل بين الجماعة والساكنة {uuid.uuid4().hex[:4]}"
    page.fill("textarea[name=text]", text)
    page.click("#post-form button[type=submit]")
    page.locator(".flash-success").wait_for()
    assert page.locator(".item.mine", has_text=text).count() == 1
    # A blank post is refused with a message and stores nothing.
    before = page.locator(".item").count()
    page.fill("textarea[name=text]", "   ")
    page.click("#post-form button[type=submit]")
    page.locator(".flash-error, .field-error").first.wait_for()
    assert page.locator(".item").count() == before


def test_a_phone_of_360_pixels_has_thumb_sized_controls(server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        join(page, server, "Said")
        page.locator(".group-picker button").first.click()
        page.wait_for_selector("#post-form")
        page.wait_for_load_state()  # the stylesheet too: it may come through the service worker a moment later
        assert no_horizontal_scroll(page)
        for selector in ("#post-form button[type=submit]", ".kind-option", ".tab"):
            box = page.locator(selector).first.bounding_box()
            assert box["height"] >= 44, (selector, box)
    finally:
        context.close()
