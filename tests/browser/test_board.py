"""The projector board in Chromium when the room is busy: a column fuller than the screen, the synthesis, the key help,
a closed workshop, and nothing laid over the columns, at 1920x1080 and 1280x720."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests
import socketio

from tests.browser.conftest import shot
from tests.browser.test_phone_and_board import login
from tests.browser.test_screens_update import set_phase
from tests.liveserver import create_open_workshop, csrf_token, facilitator_session

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

AXES = ("البيئة", "التواصل", "الرقمنة")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FILL = 16  # two-line cards: more than a column holds at either size


class Poster:
    """A participant's phone without a screen: joined through the API, posting over the socket in the first group."""

    def __init__(self, server, code: str):
        joined = requests.post(f"{server.url}/api/v1/workshops/{code}/participants", json={"consent": True}, timeout=10)
        assert joined.status_code == 201, joined.text
        body = joined.json()
        self.group_id = body["groups"][0]["id"]
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(server.url, namespaces=["/live"], auth={"token": body["token"]}, transports=["websocket"])
        assert self.call("join_group", {"group_id": self.group_id})["ok"]

    def call(self, event: str, data: dict) -> dict:
        return self.sio.call(event, data, namespace="/live", timeout=10)

    def post(self, kind: str, text: str, parent_id: int | None = None) -> dict:
        data = {"client_id": str(uuid.uuid4()), "group_id": self.group_id, "kind": kind, "text": text}
        if parent_id is not None:
            data["parent_id"] = parent_id
        ack = self.call("post", data)
        assert ack["ok"], ack
        return ack["item"]

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture(scope="module")
def busy(server) -> dict:
    """A workshop whose first column already holds more cards than a screen shows."""
    code = create_open_workshop(server, facilitator_session(server), "ورشة أيت عميرة", AXES)
    poster = Poster(server, code)
    try:
        first = poster.post("problem", "غياب حاويات النفايات قرب السوق الأسبوعي وتراكم الأزبال في الأزقة")
        for n in range(2, FILL + 1):
            poster.post("problem", f"المشكلة رقم {n}: ضعف الإنارة العمومية في الأحياء الهامشية ليلاً")
    finally:
        poster.close()
    return {"code": code, "first": first}


def board_page(browser, server, code: str, size: tuple[int, int], lang: str):
    # bypass_csp: the page's policy would refuse the axe-core script the test adds
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="ar-MA", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, server)
    page.goto(f"{server.url}/w/{code}/board?lang={lang}")
    page.wait_for_selector("#conn.online")
    return page


def out_of_view(column) -> int:
    """How many cards of a column its body does not show whole, measured on the screen."""
    return column.evaluate(
        """col => {
          const body = col.querySelector(".column-body").getBoundingClientRect();
          return [...col.querySelectorAll(".column-body .item")].filter(card => {
            const r = card.getBoundingClientRect();
            return r.top < body.top - 1 || r.bottom > body.bottom + 1;
          }).length;
        }"""
    )


def in_view(page, card, column) -> bool:
    """The card whole inside its column's body, the column's head whole above it, all on the screen."""
    return page.evaluate(
        """([card, col]) => {
          const r = card.getBoundingClientRect();
          const body = col.querySelector(".column-body").getBoundingClientRect();
          const head = col.querySelector(".column-head").getBoundingClientRect();
          return r.top >= body.top - 1 && r.bottom <= body.bottom + 1 && head.top >= 0 && head.bottom <= body.top + 1
            && body.bottom <= innerHeight;
        }""",
        [card.element_handle(), column.element_handle()],
    )


def more_says(page, column) -> int:
    line = column.locator(".column-more")
    expect(line).to_be_visible()
    return int(re.search(r"\d+", line.inner_text()).group())


def settled(page, column) -> None:
    """Wait until the smooth scroll to the new card has ended and the "+N more" line has caught up."""
    column.evaluate("col => delete col.querySelector('.column-body').dataset.lastTop")
    page.wait_for_function(
        """col => {
          const body = col.querySelector(".column-body");
          const now = body.scrollTop;
          const was = body.dataset.lastTop;
          body.dataset.lastTop = now;
          return was !== undefined && Number(was) === now;
        }""",
        arg=column.element_handle(),
        polling=250,
    )
    expect(column.locator(".column-more")).to_contain_text(str(out_of_view(column)))


def axe_violations(page) -> list[str]:
    """What axe-core finds on the page as it stands (a full column is a state the page-by-page axe test never sees)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v =>
             v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(" | ")))"""
    )
    return found


def overlaps(a: dict, b: dict) -> bool:
    across = a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
    return across and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize(("size", "lang"), [((1920, 1080), "ar"), ((1280, 720), "en")], ids=["1920", "1280"])
def test_a_full_column_says_how_many_more_and_keeps_the_newest_card_in_view(server, browser, busy, size, lang):
    page = board_page(browser, server, busy["code"], size, lang)
    try:
        column = page.locator(".column").first
        column.locator(".item").nth(FILL - 1).wait_for()
        before = column.locator(".item").count()
        settled(page, column)
        hidden = out_of_view(column)
        assert hidden > 0, "the column should overflow"
        assert more_says(page, column) == hidden
        # Nothing lies over a column: the language switch least of all.
        langs = page.locator(".board-langs").bounding_box()
        for i in range(page.locator(".column").count()):
            assert not overlaps(langs, page.locator(".column").nth(i).bounding_box()), i
        # The key a column scrolls with can reach it, and a reader hears whose column it is.
        body = column.locator(".column-body")
        assert body.get_attribute("tabindex") == "0"
        assert body.get_attribute("role") == "region"
        name = page.locator(f"#{body.get_attribute('aria-labelledby')}")
        assert name.inner_text() == AXES[0]

        poster = Poster(server, busy["code"])
        try:
            newest = f"مشكلة جديدة {uuid.uuid4().hex[:4]}: لا توجد حافلات للتلاميذ"
            poster.post("problem", newest)
            card = column.locator(".item", has_text=newest)
            card.wait_for()
            settled(page, column)
            assert in_view(page, card, column)
            assert page.evaluate("scrollY === 0 && document.querySelector('.board-main').scrollTop === 0")
            assert more_says(page, column) == out_of_view(column) > 0

            # An answer to the first problem lands at the top of the column: the board goes back up to it.
            answer = f"حل مقترح {uuid.uuid4().hex[:4]}: حاويات للفرز الانتقائي tri sélectif"
            poster.post("solution", answer, parent_id=busy["first"]["id"])
            card = column.locator(".item", has_text=answer)
            card.wait_for()
            settled(page, column)
            assert in_view(page, card, column)
            assert more_says(page, column) == out_of_view(column) > 0
        finally:
            poster.close()

        # Two counts side by side each say what they count.
        participants = column.locator(".count-group-participants").inner_text()
        items = column.locator(".count-group-items").inner_text()
        if lang == "en":
            assert re.fullmatch(r"[2-9] participants", participants)
            assert items == f"{before + 2} items"
        assert not re.fullmatch(r"\d+", participants.strip())
        if AXE.exists():  # installed by `make setup`
            assert axe_violations(page) == []
        shot(page, f"board-overflow-{size[0]}")
    finally:
        page.context.close()


def test_synthesis_shows_the_recommendations_and_escape_closes_the_key_help(server, browser):
    code = create_open_workshop(server, facilitator_session(server), "Atelier de synthèse", AXES)
    page = board_page(browser, server, code, (1280, 720), "en")
    try:
        help_box = page.locator("#keys-help")
        page.keyboard.press("?")
        expect(help_box).to_be_visible()
        page.keyboard.press("Escape")
        expect(help_box).to_be_hidden()
        # The help belongs to the view it was asked on.
        page.keyboard.press("?")
        expect(help_box).to_be_visible()
        page.keyboard.press("1")
        expect(help_box).to_be_hidden()
        page.keyboard.press("0")
        expect(page.locator(".columns")).to_be_visible()
        expect(page.locator("#recs")).to_be_hidden()

        set_phase(server, code, "synthesis")
        expect(page.locator("#recs")).to_be_visible()
        expect(page.locator(".columns")).to_be_hidden()
        page.reload()
        expect(page.locator("#recs")).to_be_visible()
        expect(page.locator(".columns")).to_be_hidden()
        shot(page, "board-synthesis-1280")
        page.keyboard.press("r")  # the items are still one key away
        expect(page.locator(".columns")).to_be_visible()
        expect(page.locator("#recs")).to_be_hidden()
    finally:
        page.context.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920", "1280"])
def test_a_closed_workshops_board_says_so_and_offers_no_way_in(server, browser, size):
    session = facilitator_session(server)
    code = create_open_workshop(server, session, "Atelier clos", AXES)
    page = board_page(browser, server, code, size, "ar")
    try:
        expect(page.locator(".join-code-big")).to_have_text(code)
        expect(page.locator("img.qr")).to_be_visible()
        form = session.get(f"{server.url}/facilitate/{code}", timeout=10)
        closed = session.post(
            f"{server.url}/facilitate/{code}/close", data={"csrf_token": csrf_token(form.text)}, timeout=10
        )
        assert closed.status_code == 200
        for reloaded in (False, True):  # live, then as the page comes from the server
            if reloaded:
                page.reload()
            expect(page.locator(".board-closed")).to_be_visible()
            expect(page.locator(".board-closed")).to_contain_text("أُغلقت الورشة")
            expect(page.locator("img.qr")).to_have_count(0)
            expect(page.locator(".join-code-big")).to_have_count(0)
            assert code not in page.locator("body").inner_text()
            assert "/j/" not in page.locator("body").inner_text()
        shot(page, f"board-closed-{size[0]}")
    finally:
        page.context.close()
