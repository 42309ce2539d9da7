"""A large room on the projector: 3 axes × 4 tables at 1920x1080 and 1280x720, each table legible, nothing laid over
another, and the plenary view with each axis's tables together. Screenshots in docs/screenshots/board-tables-*.png."""

from __future__ import annotations

import uuid

import pytest
import requests
import socketio

from tests.browser.conftest import keep
from tests.browser.test_board import board_page, overlaps
from tests.liveserver import create_open_workshop, csrf_token, facilitator_session

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

AXES = ("البيئة والنظافة", "التواصل مع المواطنين", "الرقمنة والإدارة")
TABLES = 4
# What tables write, short and long, in Arabic, French and Darija in Latin letters.
TEXTS = (
    "غياب حاويات النفايات قرب السوق الأسبوعي",
    "Coupures d'eau fréquentes dans le douar en été",
    "ma kaynach l'wifi f dar chabab",
    "ضعف الإنارة العمومية في الأحياء الهامشية ليلاً مما يهدد سلامة النساء والتلاميذ",
    "Un guichet unique pour les actes administratifs",
)


class Phone:
    """A participant's phone without a screen: joined through the API, seated by axis over the socket."""

    def __init__(self, server, code: str, theme_id: int):
        joined = requests.post(f"{server.url}/api/v1/workshops/{code}/participants", json={"consent": True}, timeout=10)
        assert joined.status_code == 201, joined.text
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(
            server.url, namespaces=["/live"], auth={"token": joined.json()["token"]}, transports=["websocket"]
        )
        ack = self.sio.call("join_theme", {"theme_id": theme_id}, namespace="/live", timeout=10)
        assert ack["ok"], ack
        self.group_id = ack["group_id"]

    def post(self, text: str) -> None:
        data = {"client_id": str(uuid.uuid4()), "group_id": self.group_id, "kind": "problem", "text": text}
        assert self.sio.call("post", data, namespace="/live", timeout=10)["ok"]

    def close(self) -> None:
        self.sio.disconnect()


def set_tables(server, session, code: str, tables: int, size: int = 0) -> None:
    """The facilitator's workshop form, as saved with a number of tables per axis."""
    page = session.get(f"{server.url}/facilitate/{code}", timeout=10)
    saved = session.post(
        f"{server.url}/facilitate/{code}",
        data={
            "csrf_token": csrf_token(page.text),
            "title": "ورشة الجماعة الكبرى",
            "language": "fr",
            "axes": "\n".join(AXES),
            "principles": "Transparence",
            "votes_per_participant": "3",
            "together": "y",
            "tables_per_axis": str(tables),
            "table_size": str(size),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert saved.status_code == 302, saved.text[:2000]


@pytest.fixture(scope="module")
def room(server) -> dict:
    """A workshop of 3 axes × 4 tables; two phones per table (seated by axis), each posting; the first table fuller."""
    session = facilitator_session(server)
    code = create_open_workshop(server, session, "ورشة الجماعة الكبرى", AXES)
    set_tables(server, session, code, TABLES)
    state = requests.get(f"{server.url}/api/v1/workshops/{code}", timeout=10)
    assert state.ok, state.text
    groups = state.json()["groups"]
    assert len(groups) == 3 * TABLES
    phones = []
    try:
        for theme_id in dict.fromkeys(g["theme"]["id"] for g in groups):
            for _ in range(2 * TABLES):
                phones.append(Phone(server, code, theme_id))
        for n, phone in enumerate(phones):
            phone.post(TEXTS[n % len(TEXTS)])
        for n in range(8):  # the first table overflows
            phones[0].post(f"{TEXTS[n % len(TEXTS)]} ({n + 2})")
    finally:
        for phone in phones:
            phone.close()
    return {"code": code, "groups": groups, "tables": {p.group_id for p in phones}}


def layout(page) -> dict:
    """Each visible column's box, its head's, and whether any text in it is cut sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".column")].filter(c => c.offsetParent !== null).map(c => {
          const box = c.getBoundingClientRect();
          const head = c.querySelector(".column-head, .column-body").getBoundingClientRect();
          const clipped = [...c.querySelectorAll(".column-head h2, .column-stats, .item-text")]
            .filter(e => e.scrollWidth > e.clientWidth + 1).length;
          return {box: {x: box.x, y: box.y, width: box.width, height: box.height},
                  head: {top: head.top, bottom: head.bottom}, clipped,
                  cards: c.querySelectorAll(".column-body .item").length,
                  font: parseFloat(getComputedStyle(c.querySelector(".item") || c).fontSize)};
        })"""
    )


@pytest.mark.parametrize(("size", "lang"), [((1920, 1080), "ar"), ((1280, 720), "fr")], ids=["1920", "1280"])
def test_a_board_of_three_axes_by_four_tables_is_legible(server, browser, room, size, lang):
    assert len(room["tables"]) == 3 * TABLES  # join_theme spread the phones over every table
    page = board_page(browser, server, room["code"], size, lang)
    try:
        expect(page.locator(".axis")).to_have_count(3)
        expect(page.locator(".column[data-group]")).to_have_count(3 * TABLES)
        page.locator(".column[data-group] .item").nth(3 * 2 * TABLES).wait_for()
        columns = layout(page)
        assert len(columns) == 3 * TABLES
        width, height = size
        for i, col in enumerate(columns):
            box = col["box"]
            # On the screen, whole, and wide and tall enough for a few lines of a card.
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (i, box)
            assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, (i, box)
            assert box["width"] >= width / 8, (i, box)
            assert box["height"] >= height / 5, (i, box)
            assert col["clipped"] == 0, (i, col)
            assert col["cards"] >= 2, (i, col)
            assert col["font"] >= 14, (i, col)
            for j, other in enumerate(columns[:i]):
                assert not overlaps(box, other["box"]), (i, j)
        heads = page.locator(".axis-head")
        expect(heads).to_have_count(3)
        for n, axis in enumerate(AXES):
            expect(heads.nth(n).locator("h2")).to_have_text(axis)
        langs = page.locator(".board-langs").bounding_box()
        for i in range(3):
            assert not overlaps(langs, page.locator(".axis").nth(i).bounding_box())
        # The full first table says how many more it holds.
        expect(page.locator(".column[data-group]").first.locator(".column-more")).to_be_visible()
        keep(page, f"board-tables-{width}")

        # The plenary: each axis's items from its four tables together, each card saying its table.
        page.keyboard.press("t")
        expect(page.locator(".column-plenary")).to_have_count(3)
        expect(page.locator(".column[data-group]").first).to_be_hidden()
        plenary = page.locator(".column-plenary").first
        expect(plenary).to_be_visible()
        expect(plenary.locator(".item")).to_have_count(2 * TABLES + 8)
        tags = set(plenary.locator(".table-tag").all_inner_texts())
        assert len(tags) == TABLES, tags
        assert "plenary=1" in page.url
        columns = layout(page)
        assert len(columns) == 3 and all(c["clipped"] == 0 for c in columns)
        keep(page, f"board-tables-plenary-{width}")
        page.reload()  # the view lives in the address
        expect(page.locator(".column-plenary").first).to_be_visible()
        page.keyboard.press("t")
        expect(page.locator(".column[data-group]").first).to_be_visible()
        expect(page.locator(".column-plenary").first).to_be_hidden()
        # One table on its own, large.
        page.keyboard.press("2")
        expect(page.locator(".column[data-group]").nth(1)).to_be_visible()
        expect(page.locator(".column[data-group]").first).to_be_hidden()
        expect(page.locator(".axis").nth(1)).to_be_hidden()
    finally:
        page.context.close()


def test_the_control_panel_lists_tables_under_their_axis_and_moves_people(server, desk, room):
    from tests.browser.test_phone_and_board import login

    login(desk, server)
    desk.goto(f"{server.url}/facilitate/{room['code']}/control")
    desk.wait_for_selector("#conn.online")
    boxes = desk.locator("#group-tabs .tab-axis")
    expect(boxes).to_have_count(3)
    expect(boxes.first.locator(".tab")).to_have_count(TABLES)
    expect(boxes.first.locator(".tab-axis-name")).to_have_text(AXES[0])
    second = boxes.first.locator(".tab").nth(1)
    expect(second.locator("bdi")).to_have_text("Table 2")
    second.click()
    expect(second).to_have_attribute("aria-pressed", "true")
    expect(desk.locator("#items-title")).to_contain_text("Table 2")
    seats = desk.locator("#seats")
    seats.locator("summary").click()
    expect(seats.locator(".seat")).to_have_count(2)
    expect(desk.locator("#seats-count")).to_have_text("2")
    keep(desk, "control-tables")
    # Seat one of them at table 3 of the same axis: both tables' lists follow.
    target = next(g for g in room["groups"] if g["theme"]["id"] == room["groups"][0]["theme"]["id"] and g["table"] == 3)
    seats.locator(".seat").first.locator("select").select_option(str(target["id"]))
    expect(seats.locator(".seat")).to_have_count(1)
    boxes.first.locator(".tab").nth(2).click()
    expect(seats.locator(".seat")).to_have_count(3)


def test_in_plenary_the_facilitator_sees_what_two_tables_of_an_axis_wrote_twice(server, desk, room):
    from tests.browser.test_phone_and_board import login

    login(desk, server)
    desk.goto(f"{server.url}/facilitate/{room['code']}/control?lang=en")
    desk.wait_for_selector("#conn.online")
    desk.locator("#group-tabs .tab-axis").first.locator(".tab").nth(1).click()  # table 2 of the first axis
    suggestions = desk.locator("#suggestions")
    suggestions.locator("summary").click()
    scope = suggestions.locator("#suggest-scope")
    expect(scope).to_be_visible()
    # Table 2 alone wrote nothing twice; tables 1 and 2 both wrote about the market's bins.
    expect(suggestions.locator(".suggest-list li.muted")).to_be_visible()
    scope.get_by_label("Every table of the axis").check()
    across = suggestions.locator(".suggest-pair").filter(has=desk.locator(".badge", has_text="Table 2"))
    expect(across.first).to_be_visible()
    badges = across.first.locator(".badge").all_inner_texts()
    assert sorted(badges) == ["Table 1", "Table 2"], badges
    assert across.first.inner_text().count(TEXTS[0]) == 2
    keep(desk, "control-suggestions-axis")
    # Back to the table: only its own pairs, none.
    scope.get_by_label("This table").check()
    expect(suggestions.locator(".suggest-pair")).to_have_count(0)


def test_a_table_opened_by_size_joins_the_board_without_a_reload(server, browser, room):
    page = board_page(browser, server, room["code"], (1920, 1080), "fr")
    try:
        page.evaluate("window.notReloaded = true")
        first_axis = page.locator(".axis").first
        expect(first_axis.locator(".column[data-group]")).to_have_count(TABLES)
        set_tables(server, facilitator_session(server), room["code"], TABLES, size=2)
        theme_id = room["groups"][0]["theme"]["id"]
        phones = [Phone(server, room["code"], theme_id) for _ in range(2)]  # the second finds every table full
        for phone in phones:
            phone.close()
        expect(first_axis.locator(".column[data-group]")).to_have_count(TABLES + 1)
        expect(first_axis.locator(".column[data-group]").last.locator("h2")).to_have_text(f"Table {TABLES + 1}")
        expect(first_axis.locator(".column[data-group]").last.locator(".count-group-items")).to_have_text(
            "0 contribution"
        )
        assert page.evaluate("window.notReloaded") is True
        # Three across now: every column still whole on the screen.
        for col in layout(page):
            assert col["box"]["x"] >= 0 and col["box"]["x"] + col["box"]["width"] <= 1921 and col["clipped"] == 0
        keep(page, "board-tables-opened-1920")
    finally:
        page.context.close()
