"""Facilitation in Chromium: the control panel drives phases, merges, votes and recommendations; the phones
and the projector board follow live."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, PHONE, shot
from tests.browser.test_phone_and_board import login, no_horizontal_scroll
from tests.liveserver import create_open_workshop, facilitator_session

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def join(page, server, code: str, nickname: str, lang: str):
    """Join the workshop in a language, and sit in its first group."""
    page.goto(f"{server.url}/j/{code}?lang={lang}")
    page.fill("input[name=nickname]", nickname)
    page.check("input[name=consent]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{code}"))
    page.locator(".group-picker button").first.click()
    page.wait_for_selector("#conn.online")


def set_phase(control, name: str):
    button = control.locator(".phase-button", has_text=name)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def post(page, text: str):
    page.fill("textarea[name=text]", text)
    page.click("#post-form button[type=submit]")
    page.locator(".item.mine", has_text=text).wait_for()


def full_shot(page, name: str):
    """The whole page, not only the window: the control panel is longer than a laptop's screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def card(page, text: str):
    """The card whose own text (not a merged one's) has text."""
    return page.locator("article.item", has=page.locator(".item-main .item-text", has_text=text))


def test_the_facilitator_takes_a_workshop_from_problems_to_recommendations(server, browser, phone):
    desk = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    desk.set_default_timeout(10_000)
    try:
        control = desk.new_page()
        login(control, server)
        control.goto(f"{server.url}/facilitate/{server.code}?lang=en")
        control.get_by_role("link", name="Open the control panel").click()
        control.wait_for_url(re.compile(f"/facilitate/{server.code}/control"))
        control.wait_for_selector("#conn.online")
        set_phase(control, "Welcome")

        amina = phone()  # reads English
        join(amina, server, server.code, "Amina", "en")
        youssef = phone()  # reads Arabic, the default
        join(youssef, server, server.code, "يوسف", "ar")
        assert youssef.locator("html").get_attribute("dir") == "rtl"
        assert amina.locator("#phase-name").inner_text() == "Welcome"
        assert "wait" in amina.locator("#phase-hint").inner_text()
        assert not amina.locator("#post-form").is_visible()
        shot(youssef, "phone-welcome")

        # Problems: the phones may post now, without a reload; both write the same idea.
        set_phase(control, "Problems")
        amina.locator("#post-form").wait_for(state="visible")
        assert amina.locator("#phase-name").inner_text() == "Problems"
        kept, duplicate = "No waste bins near the weekly market", "غياب حاويات النفايات قرب السوق الأسبوعي"
        post(amina, kept)
        youssef.locator("#post-form").wait_for(state="visible")
        post(youssef, duplicate)
        assert no_horizontal_scroll(youssef)
        shot(youssef, "phone-problems")

        # The facilitator sees both live, selects them and keeps Amina's.
        card(control, duplicate).wait_for()
        card(control, kept).get_by_role("checkbox").check()
        card(control, duplicate).get_by_role("checkbox").check()
        control.locator("#merge-keep").select_option(label=kept)
        control.get_by_role("button", name="Merge", exact=True).click()
        card(control, duplicate).wait_for(state="detached")
        assert duplicate in card(control, kept).locator(".merged").inner_text()
        for page in (amina, youssef):
            card(page, duplicate).wait_for(state="detached")
            assert card(page, kept).count() == 1
        # Youssef's words live on in the kept card: it is his too.
        assert card(youssef, kept).locator(".badge-mine").count() == 1

        # Prioritization with a countdown: dots on the phones, counts everywhere.
        set_phase(control, "Prioritization")
        control.fill("#timer-minutes", "5")
        control.get_by_role("button", name="Start").click()
        control.locator("#timer:not([hidden])").wait_for()
        for page in (amina, youssef):
            page.locator("#dots-left").wait_for(state="visible")
            page.locator("#timer:not([hidden])").wait_for()
        assert amina.locator("#phase-name").inner_text() == "Prioritization"
        assert re.fullmatch(r"[45]:\d\d", amina.locator("#timer .countdown-time").inner_text())
        assert amina.locator("#dots-remaining").inner_text() == "3"
        vote = card(amina, kept).get_by_role("button", name="+ Add a dot")
        vote.click()
        expect(amina.locator("#dots-remaining")).to_have_text("2")
        vote.click()
        expect(amina.locator("#dots-remaining")).to_have_text("1")
        card(amina, kept).get_by_role("button", name="− Take a dot back").click()
        expect(amina.locator("#dots-remaining")).to_have_text("2")
        expect(card(amina, kept).locator(".my-dots")).to_contain_text("My dots: 1")
        card(youssef, kept).locator("button.vote").click()
        expect(youssef.locator("#dots-remaining")).to_have_text("2")
        for page in (amina, youssef, control):
            expect(card(page, kept).locator(".votes-count")).to_have_text("2")

        assert no_horizontal_scroll(youssef)
        shot(youssef, "phone-prioritization")

        # The projector board: counts, phase and countdown; its views by key.
        board = desk.new_page()
        board.set_viewport_size({"width": 1920, "height": 1080})
        board.goto(f"{server.url}/w/{server.code}/board?lang=en")
        board.wait_for_selector("#conn.online")
        assert board.locator("#phase-name").inner_text() == "Prioritization"
        assert re.fullmatch(r"[45]:\d\d", board.locator("#timer .countdown-time").inner_text())
        first = board.locator(".column").first
        assert first.locator(".item", has_text=kept).locator(".votes-count").inner_text() == "2"
        assert first.locator(".item", has_text=duplicate).count() == 0
        assert no_horizontal_scroll(board)
        shot(board, "board-all-1920")
        board.keyboard.press("1")
        assert board.locator(".column:visible").count() == 1
        assert re.search(r"[?&]focus=\d+", board.url)
        shot(board, "board-focus-1920")
        board.keyboard.press("0")
        assert board.locator(".column:visible").count() == 3
        board.keyboard.press("d")
        assert "dark" in board.locator("body").get_attribute("class")
        shot(board, "board-dark-1920")
        board.set_viewport_size({"width": 1280, "height": 720})
        assert no_horizontal_scroll(board)
        shot(board, "board-dark-1280")
        board.keyboard.press("d")
        # Space pauses the countdown from the board, and again resumes it; the control panel follows.
        board.keyboard.press("Space")
        control.locator('#timer[data-state="paused"]').wait_for()
        board.locator('#timer[data-state="paused"]').wait_for()  # the board toggles from what it last heard
        board.keyboard.press("Space")
        control.locator('#timer[data-state="running"]').wait_for()

        # A recommendation from the kept item, in the panel of its axis (the control panel's tab in front again: a
        # hidden tab gets no animation frames, which Playwright's clicks wait for).
        control.bring_to_front()
        panel = control.locator("#recs-panel")
        panel.locator(".rec-choice", has_text=kept).get_by_role("checkbox").check()
        title = "Install waste bins at the market and collect them twice a week"
        panel.get_by_label("Title").fill(title)
        panel.get_by_label("Principle").select_option(index=1)
        panel.get_by_label("Responsible").fill("Commune, environment service")
        panel.get_by_label("Horizon").fill("2024–2025")
        panel.get_by_role("button", name="Save").click()
        panel.locator(".rec-admin-list .rec", has_text=title).wait_for()
        assert "Retained #2" in card(control, kept).inner_text()  # the demo drafted one recommendation per axis
        full_shot(control, "control-panel")

        # The same screens in Arabic: right to left, translated.
        arabic = desk.new_page()
        arabic.set_viewport_size({"width": 1920, "height": 1080})
        arabic.goto(f"{server.url}/w/{server.code}/board?lang=ar")
        arabic.wait_for_selector("#conn.online")
        assert arabic.locator("html").get_attribute("dir") == "rtl"
        assert arabic.locator("#phase-name").inner_text() == "ترتيب الأولويات"
        assert no_horizontal_scroll(arabic)
        shot(arabic, "board-ar-1920")
        arabic.set_viewport_size({"width": 1440, "height": 900})
        arabic.goto(f"{server.url}/facilitate/{server.code}/control?lang=ar")
        arabic.wait_for_selector("#conn.online")
        assert "ترتيب الأولويات" in arabic.locator(".phase-button[aria-pressed=true]").inner_text()
        full_shot(arabic, "control-panel-ar")
        arabic.goto(f"{server.url}/facilitate/{server.code}?lang=en")  # the session's language back to English
        arabic.close()

        board.keyboard.press("r")
        board.locator(".recs-board .rec", has_text=title).wait_for()
        assert board.locator(".recs-board .rec").first.evaluate("li => li.value") == 1
        shot(board, "board-recommendations-1280")

        # N on the board moves to the next phase: synthesis; the phones show the recommendation.
        board.keyboard.press("n")
        control.locator('.phase-button[aria-pressed="true"]', has_text="Synthesis").wait_for()
        for page in (amina, youssef):
            page.locator("#recs .rec", has_text=title).wait_for()
        assert amina.locator("#phase-name").inner_text() == "Synthesis"
        assert not amina.locator("#post-form").is_visible()
        assert amina.locator("#timer").is_hidden()  # a new phase without a countdown stops it
        shot(youssef, "phone-synthesis")

        # Closing asks first, then every phone says so.
        control.bring_to_front()
        control.locator(".phase-button", has_text="Closed").click()
        control.get_by_role("dialog").get_by_role("button", name="OK").click()
        amina.locator("#phase-name", has_text="Closed").wait_for()
        assert "closed" in amina.locator("#phase-hint").inner_text()
        assert amina.locator("#recs .rec", has_text=title).count() == 1
        youssef.locator("#phase-banner[data-phase=closed]").wait_for()
    finally:
        desk.close()


def test_moderation_from_the_control_panel_shows_on_the_board_and_phones(server, browser, phone):
    code = create_open_workshop(server, facilitator_session(server), "Atelier modération", ("Eau", "Routes"))
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    desk.set_default_timeout(10_000)
    try:
        control = desk.new_page()
        login(control, server)
        control.goto(f"{server.url}/facilitate/{code}/control?lang=en")
        control.wait_for_selector("#conn.online")
        board = desk.new_page()
        board.set_viewport_size({"width": 1280, "height": 720})
        board.goto(f"{server.url}/w/{code}/board?lang=en")
        board.wait_for_selector("#conn.online")
        water, roads = board.locator(".column").nth(0), board.locator(".column").nth(1)
        # The board's tab runs on in the background, as on a second screen; the control panel is the one clicked, and
        # a hidden tab gets no animation frames, which Playwright's click waits for (2 s a click).
        control.bring_to_front()

        salma = phone()
        join(salma, server, code, "Salma", "en")

        # Scribe mode: two paper cards typed for people without a phone.
        control.locator("#scribe summary").click()
        for text in ("Coupures d'eau fréquentes l'été", "Le puits du douar est à sec"):
            control.fill("#scribe-text", text)
            control.get_by_role("button", name="Add the card").click()
            card(control, text).wait_for()
        assert "Paper card" in card(control, "Le puits").inner_text()
        card(salma, "Le puits").wait_for()

        # Pinning puts the second card on top of the board's column.
        card(control, "Le puits").get_by_role("button", name="Pin").click()
        water.locator(".thread").first.locator(".item.pinned", has_text="Le puits").wait_for()
        # A correction reaches every screen.
        card(control, "Coupures").get_by_role("button", name="Correct").click()
        dialog = control.get_by_role("dialog")
        dialog.locator("textarea").fill("Coupures d'eau fréquentes en été")
        dialog.get_by_role("button", name="OK").click()
        water.locator(".item", has_text="en été").wait_for()
        card(salma, "en été").wait_for()

        # Hidden: it leaves the board and the phone; restored: it comes back.
        card(control, "Le puits").get_by_role("button", name="Hide").click()
        dialog.locator("input").fill("doublon")
        dialog.get_by_role("button", name="OK").click()
        card(board, "Le puits").wait_for(state="detached")
        card(salma, "Le puits").wait_for(state="detached")
        control.locator("#hidden-items summary").click()
        assert "doublon" in control.locator("#hidden-list").inner_text()
        control.locator("#hidden-list").get_by_role("button", name="Restore").click()
        card(board, "Le puits").wait_for()
        card(salma, "Le puits").wait_for()

        # Moved to another group: it changes column on the board.
        card(control, "Le puits").locator("select.move-select").select_option(label="Routes")
        roads.locator(".item", has_text="Le puits").wait_for()
        assert water.locator(".item", has_text="Le puits").count() == 0

        # A duplicate merged leaves the board; unmerged, it comes back.
        control.fill("#scribe-text", "Eau coupée chaque été")
        control.get_by_role("button", name="Add the card").click()
        card(board, "Eau coupée").wait_for()
        card(control, "Eau coupée").get_by_role("checkbox").check()
        card(control, "Coupures").get_by_role("checkbox").check()
        control.locator("#merge-keep").select_option(label="Coupures d'eau fréquentes en été")
        control.get_by_role("button", name="Merge", exact=True).click()
        card(board, "Eau coupée").wait_for(state="detached")
        card(salma, "Eau coupée").wait_for(state="detached")
        card(control, "Coupures").locator(".merged").get_by_role("button", name="Unmerge").click()
        card(board, "Eau coupée").wait_for()
        card(salma, "Eau coupée").wait_for()
        card(control, "Eau coupée").get_by_role("button", name="Hide").click()
        control.get_by_role("dialog").get_by_role("button", name="OK").click()
        card(board, "Eau coupée").wait_for(state="detached")

        # A reasoned "not retained".
        card(control, "en été").get_by_role("button", name="Not retained…").click()
        dialog.locator("textarea").fill("Relève de l'ONEE, pas de la commune")
        dialog.get_by_role("button", name="OK").click()
        card(salma, "en été").locator(".badge-not-retained", has_text="ONEE").wait_for()

        # A refusal is shown: a recommendation needs a title.
        control.locator("#recs-panel").get_by_role("button", name="Save").click()
        control.locator("#control-error", has_text="required").wait_for()

        # Salma becomes her group's rapporteur: her phone gets the moderation buttons.
        control.locator("#rapporteur").select_option(label="Salma (#" + salma_id(salma) + ")")
        salma.locator("#rapporteur-note").wait_for(state="visible")
        card(salma, "en été").get_by_role("button", name="Pin").click()
        card(control, "en été").locator(".badge-pin").wait_for()
        # ... and can write a recommendation of her axis; the control panel has it at once.
        salma.locator("#rapporteur-recs summary").click()
        salma.locator("#rapporteur-recs .rec-choice", has_text="en été").get_by_role("checkbox").check()
        salma.get_by_label("Title").fill("Citernes d'eau pour les douars en été")
        salma.locator("#rapporteur-recs").get_by_role("button", name="Save").click()
        control.locator("#recs-panel .rec", has_text="Citernes").wait_for()
        expect(card(salma, "en été").locator(".badge-retained")).to_have_text("Retained #1")
        # The facilitator adds a second one, puts it first, and deletes the first one.
        panel = control.locator("#recs-panel")
        panel.get_by_label("Title").fill("Réparer les fuites du réseau")
        panel.get_by_label("Priority (1 = highest)").fill("1")
        panel.get_by_role("button", name="Save").click()
        recs = panel.locator(".rec-admin-list .rec")
        expect(recs).to_have_count(2)
        recs.nth(1).get_by_role("button", name="Move up").click()
        expect(recs.first).to_contain_text("Réparer les fuites")
        expect(card(salma, "en été").locator(".badge-retained")).to_have_text("Retained #2")
        recs.nth(1).get_by_role("button", name="Delete").click()
        control.get_by_role("dialog").get_by_role("button", name="OK").click()
        expect(recs).to_have_count(1)
        expect(card(salma, "en été").locator(".badge-retained")).to_have_count(0)
        full_shot(control, "control-moderation")
        assert salma.viewport_size == PHONE
        full_shot(salma, "phone-rapporteur")

        # Hidden counts: while the room votes the board says only how many dots were cast.
        settings = desk.new_page()
        settings.goto(f"{server.url}/facilitate/{code}?lang=en")
        settings.get_by_label("Hide the counts until the vote ends").check()
        settings.get_by_role("button", name="Save").click()
        settings.locator(".flash-success").wait_for()
        settings.close()
        control.bring_to_front()
        board.wait_for_selector("#conn.online")  # the board reloads with the new settings
        salma.wait_for_selector("#conn.online")
        set_phase(control, "Prioritization")
        card(salma, "en été").locator("button.vote").click()
        expect(board.locator("#count-dots")).to_have_text("1")
        expect(board.locator("#dots-cast")).to_be_visible()
        assert board.locator(".votes").count() == 0 and salma.locator(".votes").count() == 0
        shot(board, "board-hidden-votes-1280")
        # When the vote ends the counts come out everywhere at once.
        set_phase(control, "Synthesis")
        expect(card(board, "en été").locator(".votes-count")).to_have_text("1")
        expect(card(salma, "en été").locator(".votes-count")).to_have_text("1")

        # A countdown that reaches zero says so, gently, on every screen.
        control.fill("#timer-minutes", "0.02")  # about a second
        control.get_by_role("button", name="Start").click()
        for page in (board, salma, control):
            page.locator("#timer.done").wait_for()
            expect(page.locator("#timer .countdown-time")).to_have_text("0:00")
        expect(salma.locator("#timer")).to_contain_text("Time is up")
        shot(board, "board-time-up-1280")
    finally:
        desk.close()


def salma_id(page) -> str:
    return str(page.evaluate("JSON.parse(document.getElementById('page-data').textContent).participant"))


def test_the_facilitator_merges_a_suggested_duplicate_in_one_click(server, browser, phone):
    code = create_open_workshop(server, facilitator_session(server), "Atelier doublons", ("Environnement", "Routes"))
    desk = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ar-MA")
    desk.set_default_timeout(10_000)
    try:
        control = desk.new_page()
        login(control, server)
        control.goto(f"{server.url}/facilitate/{code}/control")
        control.wait_for_selector("#conn.online")
        amina, karim = phone(), phone()
        join(amina, server, code, "Amina", "ar")
        join(karim, server, code, "Karim", "fr")
        post(amina, "الأزبال في السوق الأسبوعي")
        post(karim, "lazbal f souk l'osbou3i")
        post(karim, "Pas de Wi-Fi à la maison des jeunes")
        control.locator("#suggestions summary").click()
        pair = control.locator(".suggest-pair")
        expect(pair).to_have_count(1)
        assert "الأزبال في السوق" in pair.inner_text() and "souk" in pair.inner_text()
        full_shot(control, "control-suggestions-ar")
        pair.locator(".button-primary").click()
        # One click: the later card now sits inside the earlier one, is no card of its own on the phones, and the
        # pair is gone.
        card(control, "الأزبال في السوق").locator(".merged-item", has_text="lazbal").wait_for()
        expect(card(karim, "lazbal")).to_have_count(0)
        expect(control.locator(".suggest-pair")).to_have_count(0)
    finally:
        desk.close()
