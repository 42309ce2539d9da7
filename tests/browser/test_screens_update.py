"""Screens follow the facilitator's changes in place, in Chromium: a saved workshop form reaches the phone, the board
and the control panel without a reload, and a phone's dots are right after a merge and an unmerge."""

from __future__ import annotations

import pytest

from tests.browser.test_facilitation import card, join
from tests.browser.test_phone_and_board import login
from tests.liveserver import create_open_workshop, csrf_token, facilitator_session

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def open_control(page, server, code: str):
    page.goto(f"{server.url}/facilitate/{code}/control?lang=en")
    page.wait_for_selector("#conn.online")


def set_phase(server, code: str, phase: str) -> None:
    session = facilitator_session(server)
    page = session.get(f"{server.url}/facilitate/{code}", timeout=10)
    done = session.post(
        f"{server.url}/facilitate/{code}/phase",
        data={"csrf_token": csrf_token(page.text), "phase": phase},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 302


def test_a_saved_workshop_form_reaches_phone_board_and_panel_without_a_reload(server, browser, phone, desk):
    code = create_open_workshop(server, facilitator_session(server), "Atelier des quartiers")
    salma = phone()
    join(salma, server, code, "Salma", "en")
    login(desk, server)
    board = desk.context.new_page()
    board.goto(f"{server.url}/w/{code}/board?lang=en")
    board.wait_for_selector("#conn.online")
    control = desk.context.new_page()
    open_control(control, server, code)
    for page in (salma, board, control):
        page.evaluate("window.notReloaded = true")

    form = desk.context.new_page()
    form.goto(f"{server.url}/facilitate/{code}?lang=en")
    form.get_by_label("Title").fill("Atelier des quartiers de Sidi Ali")
    form.get_by_label("Dots per participant").fill("5")
    form.locator("#axes").fill("Eau\nRoutes\nÉcoles\nJeunesse")
    form.get_by_role("button", name="Save").click()
    form.locator(".flash-success").wait_for()

    expect(salma.locator("h1")).to_have_text("Atelier des quartiers de Sidi Ali")
    expect(board.locator("h1")).to_have_text("Atelier des quartiers de Sidi Ali")
    for page in (salma, board, control):
        assert page.evaluate("window.notReloaded") is True, page.url
    expect(salma.locator("#dots-budget")).to_have_text("5")
    expect(salma.locator(".tabs .tab")).to_have_count(4)
    expect(salma.locator(".tabs .tab").nth(3)).to_contain_text("Jeunesse")
    expect(board.locator(".column")).to_have_count(4)
    expect(board.locator(".column h2").nth(3)).to_have_text("Jeunesse")
    expect(control.locator("h1")).to_have_text("Atelier des quartiers de Sidi Ali")
    expect(control.locator("#group-tabs .tab")).to_have_count(4)
    assert "Sidi Ali" in salma.title() and "Sidi Ali" in board.title()

    # The counts hide at once on the phone when the facilitator hides them for the vote.
    salma.fill("textarea[name=text]", "Pas de terrain de sport")
    salma.click("#post-form button[type=submit]")
    card(salma, "Pas de terrain").wait_for()
    set_phase(server, code, "prioritization")
    card(salma, "Pas de terrain").locator("button.vote").click()
    expect(card(salma, "Pas de terrain").locator(".votes-count")).to_have_text("1")
    form.get_by_label("Hide the counts until the vote ends").check()
    form.get_by_role("button", name="Save").click()
    form.locator(".flash-success").wait_for()
    expect(card(salma, "Pas de terrain").locator(".votes")).to_have_count(0)
    expect(board.locator(".votes")).to_have_count(0)
    assert salma.evaluate("window.notReloaded") is True


def test_my_dots_follow_a_merge_and_an_unmerge(server, browser, phone, desk):
    code = create_open_workshop(server, facilitator_session(server), "Atelier des douars")
    amina = phone()
    join(amina, server, code, "Amina", "en")
    for text in ("Piste coupée en hiver", "La piste de Tizi est impraticable"):
        amina.fill("textarea[name=text]", text)
        amina.click("#post-form button[type=submit]")
        card(amina, text).and_(amina.locator(".mine")).wait_for()
    set_phase(server, code, "prioritization")
    card(amina, "Piste coupée").locator("button.vote").click()
    expect(card(amina, "Piste coupée").locator(".my-dots")).to_contain_text("My dots: 1")
    amina.evaluate("window.notReloaded = true")

    login(desk, server)
    open_control(desk, server, code)
    for text in ("Piste coupée", "piste de Tizi"):
        card(desk, text).get_by_role("checkbox").check()
    desk.locator("#merge-keep").select_option(label="La piste de Tizi est impraticable")
    desk.locator("#merge").click()
    # My dot went with the merged item to the kept one.
    expect(card(amina, "Piste coupée")).to_have_count(0)
    expect(card(amina, "piste de Tizi").locator(".my-dots")).to_contain_text("My dots: 1")

    desk.locator(".merged-item", has_text="Piste coupée").get_by_role("button", name="Unmerge").click()
    # ... and back with it when unmerged, without a reload.
    expect(card(amina, "Piste coupée").locator(".my-dots")).to_contain_text("My dots: 1")
    expect(card(amina, "piste de Tizi").locator(".my-dots")).to_contain_text("My dots: 0")
    expect(amina.locator("#dots-remaining")).to_have_text("2")
    assert amina.evaluate("window.notReloaded") is True
