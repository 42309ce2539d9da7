"""Four languages in Chromium: every page's lang and dir, the Tifinagh font, screenshots, mixed-direction items."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.conftest import shot
from tests.browser.test_phone_and_board import join, login, no_horizontal_scroll

pytestmark = pytest.mark.browser

LANGUAGES = {"ar": "rtl", "fr": "ltr", "zgh": "ltr", "en": "ltr"}
# Arabic with a French word and digits; French with an Arabic name and digits.
ARABIC_MIXED = "نقترح 3 حاويات de recyclage قرب المدرسة"
FRENCH_MIXED = "Le président محمد a proposé 2 réunions."


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def check_language(page, lang: str) -> None:
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, LANGUAGES[lang]), page.url
    # The switch names the page's language as the current one.
    assert page.locator(f'nav.langs a[aria-current="true"][hreflang="{lang}"]').count() == 1, page.url


def tifinagh_font_loaded(page) -> bool:
    return page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts]"
        ".some(f => f.family.includes('Tifinagh') && f.status === 'loaded'))"
    )


def word_box(page, selector: str, word: str) -> dict:
    """Where a word of an element's text is drawn (the first occurrence)."""
    return page.locator(selector).first.evaluate(
        """(el, word) => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(word);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const r = range.getBoundingClientRect();
                return {left: r.left, right: r.right, top: r.top};
            }
            return null;
        }""",
        word,
    )


def reads_in_order(boxes: list[dict], *, rtl: bool) -> bool:
    """The words are drawn in this order: line by line, each line from the right (rtl) or from the left."""
    keys = [(round(b["top"]), -b["right"] if rtl else b["left"]) for b in boxes]
    return keys == sorted(keys) and len(set(keys)) == len(keys)


def test_every_page_in_every_language_has_its_lang_and_dir(server, browser, phone):
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-MA")
    try:
        facilitator = desk.new_page()
        login(facilitator, server)
        participant = phone()
        join(participant, server, "Tiziri")
        code = server.code
        phone_pages = ["/", f"/j/{code}", f"/w/{code}", "/no-such-page"]
        desk_pages = ["/login", "/facilitate/", "/facilitate/new", f"/facilitate/{code}",
                      f"/facilitate/{code}/control", f"/w/{code}/board", "/reports/", f"/reports/{code}"]  # fmt: skip
        for lang in LANGUAGES:
            for path in phone_pages:
                participant.goto(with_lang(server.url + path, lang))
                check_language(participant, lang)
                assert no_horizontal_scroll(participant), (path, lang)
            for path in desk_pages:
                facilitator.goto(with_lang(server.url + path, lang))
                check_language(facilitator, lang)
        # Tamazight shows in Tifinagh from the page's own font, whatever the phone has installed.
        participant.goto(with_lang(f"{server.url}/w/{code}", "zgh"))
        assert re.search("[\u2d30-\u2d7f]", participant.locator("main").inner_text())
        assert tifinagh_font_loaded(participant)
    finally:
        desk.close()


@pytest.fixture
def board(server, browser):
    """The facilitator's board on a 1920x1080 projector, logged in and live, in the workshop's language (Arabic)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ar-MA")
    page = context.new_page()
    login(page, server)
    page.goto(f"{server.url}/w/{server.code}/board")
    page.wait_for_selector("#conn.online")
    yield page
    context.close()


def test_mixed_direction_items_read_in_order_and_screens_in_three_languages(server, board, phone):
    page = phone()
    join(page, server, "Ahmed أحمد")
    page.locator(".group-picker button").first.click()
    page.wait_for_selector("#conn.online")
    tag = uuid.uuid4().hex[:4]
    arabic, french = f"{ARABIC_MIXED} {tag}", f"{FRENCH_MIXED} {tag}"
    for text in (arabic, french):
        page.fill("textarea[name=text]", text)
        page.click("#post-form button[type=submit]")
        page.locator(".item.mine", has_text=text).wait_for()

    column = board.locator(".column").first
    column.locator(".item", has_text=french).wait_for()
    ar_item = f'.column .item:has-text("{tag}"):has-text("نقترح") .item-text'
    fr_item = f'.column .item:has-text("{tag}"):has-text("président") .item-text'
    # Each item takes the direction of its own first strong letter, not the board's.
    assert board.locator(ar_item).evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert board.locator(fr_item).evaluate("e => getComputedStyle(e).direction") == "ltr"
    # Arabic reads from the right: نقترح, then 3, then حاويات; the French words inside keep their order.
    first, digit, then = (word_box(board, ar_item, w) for w in ("نقترح", "3", "حاويات"))
    assert reads_in_order([first, digit, then], rtl=True)
    de, recyclage = word_box(board, ar_item, "de "), word_box(board, ar_item, "recyclage")
    assert reads_in_order([de, recyclage], rtl=False)
    # French on the Arabic board reads from the left, the Arabic name in its place, the full stop at the end.
    le, name, reunions, stop = (word_box(board, fr_item, w) for w in ("Le", "محمد", "réunions", "."))
    card = board.locator(fr_item).bounding_box()
    assert le["left"] - card["x"] < 2  # starts at the left edge of its card
    assert reads_in_order([le, name, reunions, stop], rtl=False)
    # And the Arabic item starts at the right edge of its card.
    arabic_card = board.locator(ar_item).bounding_box()
    assert arabic_card["x"] + arabic_card["width"] - first["right"] < 2

    # What a person sees, in Arabic, French and Tamazight: the phone (390x844) and the board (1920x1080).
    for lang in ("ar", "fr", "zgh"):
        page.goto(with_lang(f"{server.url}/w/{server.code}", lang))
        page.wait_for_selector("#conn.online")
        page.locator(".item", has_text=french).wait_for()
        assert no_horizontal_scroll(page)
        shot(page, f"phone-room-{lang}")
        board.goto(with_lang(f"{server.url}/w/{server.code}/board", lang))
        board.wait_for_selector("#conn.online")
        assert board.locator("html").get_attribute("lang") == lang
        shot(board, f"board-{lang}")
    # Back in Arabic, the send arrow points left: icons that point somewhere are mirrored.
    page.goto(with_lang(f"{server.url}/w/{server.code}", "ar"))
    assert page.locator(".icon-send").evaluate("e => getComputedStyle(e).transform") == "matrix(-1, 0, 0, 1, 0, 0)"
    page.goto(with_lang(f"{server.url}/w/{server.code}", "fr"))
    assert page.locator(".icon-send").evaluate("e => getComputedStyle(e).transform") == "none"


def test_the_board_counts_items_with_arabic_plurals_as_they_arrive(server, board, phone):
    page = phone()
    join(page, server, "")
    page.locator(".group-picker button").nth(2).click()  # the third axis: no other test posts there
    page.wait_for_selector("#conn.online")
    count = board.locator(".column").nth(2).locator(".count-group-items")
    assert count.inner_text() == "لا توجد أي مساهمة"
    for n, expected in enumerate(("مساهمة واحدة", "مساهمتان", "3 مساهمات"), start=1):
        page.fill("textarea[name=text]", f"رقمنة الخدمات {n}")
        page.click("#post-form button[type=submit]")
        board.wait_for_function(
            "([el, text]) => el.textContent.trim() === text", arg=[count.element_handle(), expected]
        )
