"""The phone at 390x844 in Arabic, French and Tamazight: the consent error in view, thumb-sized controls, readable
contrast, the author of a hidden or merged post told what happened, and axis names in the phone's language."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot
from tests.browser.test_facilitation import card
from tests.browser.test_phone_and_board import login
from tests.browser.test_screens_update import open_control, set_phase
from tests.liveserver import create_open_workshop, facilitator_session

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
LANGS = ("ar", "fr", "zgh")
AXIS = {"ar": "البيئة", "fr": "Environnement", "zgh": "ⵜⴰⵡⵏⵏⴰⴹⵜ"}

# Every visible control's tap box; a checkbox or radio inside a label is tapped through its label.
TAP_BOXES = """() => [...document.querySelectorAll("a, button, input, select, summary, textarea")]
  .filter(e => e.type !== "hidden" && e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .map(e => {
    const target = (e.type === "radio" || (e.type === "checkbox" && !e.closest(".check"))) && e.closest("label") || e;
    const r = target.getBoundingClientRect();
    return {what: e.outerHTML.slice(0, 90), width: Math.round(r.width), height: Math.round(r.height)};
  })"""

# The contrast of every visible text run against what is painted behind it (colours composited, opacity counted).
CONTRASTS = """() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length || el.closest("[hidden], .sr-only, [disabled], script")) continue;
    let alpha = 1;
    for (let e = el; e; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color).slice(0, 3).concat([parse(getComputedStyle(el).color)[3] * alpha]), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    found.push({text: node.textContent.trim().slice(0, 30), cls: el.className, ratio: (a + 0.05) / (b + 0.05)});
  }
  return found;
}"""


def go_join(page, server, code: str, lang: str, nickname: str = "") -> None:
    page.goto(f"{server.url}/j/{code}?lang={lang}")
    if nickname:
        page.fill("input[name=nickname]", nickname)


def join(page, server, code: str, lang: str, nickname: str) -> None:
    go_join(page, server, code, lang, nickname)
    page.check("input[name=consent]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{code}"))


def sit(page) -> None:
    page.locator(".group-picker button").first.click()
    page.wait_for_selector("#conn.online")


def too_small(page) -> list[dict]:
    page.wait_for_load_state()
    return [b for b in page.evaluate(TAP_BOXES) if b["height"] < 44 or b["width"] < 44]


def low_contrast(page) -> list[dict]:
    return [c for c in page.evaluate(CONTRASTS) if c["ratio"] < 4.5]


@pytest.mark.parametrize("lang", LANGS)
def test_a_join_without_consent_comes_back_with_the_error_in_view_and_focused(server, phone, lang):
    page = phone()
    go_join(page, server, server.code, lang, "Itto")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/j/{server.code}"))
    error = page.locator("#consent-error")
    error.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.name === 'consent'")
    box = error.bounding_box()  # relative to the window
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"], box
    described = page.locator("input[name=consent]").get_attribute("aria-describedby")
    assert described == "consent-error"
    shot(page, f"phone-join-consent-error-{lang}")
    # Ticking the focused box and joining works from there.
    page.keyboard.press("Space")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{server.code}"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_control_is_thumb_sized_and_every_text_readable(server, phone, lang):
    page = phone()
    page.goto(f"{server.url}/?lang={lang}")
    assert too_small(page) == [], "home"
    assert low_contrast(page) == [], "home"
    go_join(page, server, server.code, lang)
    assert too_small(page) == [], "join"
    assert low_contrast(page) == [], "join"
    # The gender and age choices show their whole default text.
    for name in ("gender", "age_band"):
        clipped = page.locator(f"select[name={name}]").evaluate(
            """s => { const c = document.createElement("canvas").getContext("2d"); const st = getComputedStyle(s);
                c.font = st.fontWeight + " " + st.fontSize + " " + st.fontFamily;
                const room = s.clientWidth - parseFloat(st.paddingInlineStart) - parseFloat(st.paddingInlineEnd) - 20;
                return c.measureText(s.options[s.selectedIndex].text).width > room; }"""
        )
        assert not clipped, name
    page.fill("input[name=nickname]", "Itto")
    page.check("input[name=consent]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(f"/w/{server.code}"))
    sit(page)
    assert too_small(page) == [], "room"
    assert low_contrast(page) == [], "room"


def test_the_author_of_a_hidden_post_is_told_why_and_a_merged_one_reads_you_and_amina(server, browser, phone, desk):
    code = create_open_workshop(server, facilitator_session(server), "Atelier des sources")
    itto, amina = phone(), phone()
    join(itto, server, code, "fr", "Itto")
    sit(itto)
    join(amina, server, code, "fr", "Amina")
    sit(amina)
    for page, text in ((itto, "Le lavoir est sale"), (itto, "Source tarie"), (amina, "La source de Tala est tarie")):
        page.fill("textarea[name=text]", text)
        page.click("#post-form button[type=submit]")
        card(page, text).and_(page.locator(".mine")).wait_for()
    card(itto, "La source de Tala").wait_for()

    login(desk, server)
    open_control(desk, server, code)
    card(desk, "lavoir").get_by_role("button", name="Hide").click()
    desk.get_by_role("dialog").locator("input").fill("Hors sujet pour cet axe")
    desk.get_by_role("dialog").get_by_role("button", name="OK").click()
    notice = itto.locator(".notice-hidden")
    expect(notice).to_contain_text("Le lavoir est sale")
    expect(notice).to_contain_text("Hors sujet pour cet axe")
    expect(card(itto, "lavoir")).to_have_count(0)
    expect(amina.locator(".notice-hidden")).to_have_count(0)  # only the author is told
    shot(itto, "phone-hidden-notice-fr")
    notice.get_by_role("button").click()
    expect(notice).to_have_count(0)

    for text in ("Source tarie", "source de Tala"):
        card(desk, text).get_by_role("checkbox").check()
    desk.locator("#merge-keep").select_option(label="La source de Tala est tarie")
    desk.locator("#merge").click()
    kept = card(itto, "source de Tala")
    expect(kept.locator(".badge-mine")).to_have_text(re.compile(r"^\s*Vous et Amina\s*$"))
    expect(kept.locator(".item-meta .author")).to_have_count(1)
    # A reload draws the same card from the server.
    itto.reload()
    expect(card(itto, "source de Tala").locator(".badge-mine")).to_have_text(re.compile(r"^\s*Vous et Amina\s*$"))


def test_group_names_are_in_the_phone_language(server, browser, phone, desk):
    # The demo's built-in axes, named by the catalog.
    fr = phone()
    join(fr, server, server.code, "fr", "Idir")
    expect(fr.locator(".group-picker button").first).to_have_text(AXIS["fr"])
    zgh = phone()
    join(zgh, server, server.code, "zgh", "Tiziri")
    expect(zgh.locator(".group-picker button").first).to_have_text(AXIS["zgh"])
    sit(fr)
    expect(fr.locator(".tabs .tab").first).to_contain_text("Environnement")

    # A facilitator's own axes, named in Arabic too: the Arabic phone follows the save without a reload.
    code = create_open_workshop(server, facilitator_session(server), "Atelier de l'eau", axes=("Eau", "Routes"))
    ar = phone()
    join(ar, server, code, "ar", "Hassan")
    sit(ar)
    expect(ar.locator(".tabs .tab").first).to_contain_text("Eau")
    ar.evaluate("window.notReloaded = true")
    login(desk, server)
    desk.goto(f"{server.url}/facilitate/{code}?lang=en")
    desk.locator("details.axis-names summary").click()
    desk.get_by_label(re.compile("^In العربية")).fill("الماء\nالطرق")
    desk.get_by_role("button", name="Save").click()
    desk.locator(".flash-success").wait_for()
    expect(ar.locator(".tabs .tab").first).to_contain_text("الماء")
    expect(ar.locator(".tabs .tab").nth(1)).to_contain_text("الطرق")
    expect(ar.locator("#items .list-title bdi")).to_have_text("الماء")
    assert ar.evaluate("window.notReloaded") is True
    ar.reload()
    expect(ar.locator(".tabs .tab").first).to_contain_text("الماء")
    # The French facilitator's form keeps the names it was given.
    desk.reload()
    assert desk.get_by_label(re.compile("^In العربية")).input_value() == "الماء\nالطرق"


@pytest.mark.parametrize("lang", ("fr", "zgh"))
def test_a_recommendation_number_stays_beside_its_arabic_title(server, phone, desk, lang):
    code = create_open_workshop(server, facilitator_session(server), f"Atelier {lang}")
    page = phone()
    join(page, server, code, lang, "Yuba")
    sit(page)
    page.fill("textarea[name=text]", "الطريق إلى المدرسة غير معبدة")
    page.click("#post-form button[type=submit]")
    card(page, "المدرسة").wait_for()
    login(desk, server)
    open_control(desk, server, code)
    panel = desk.locator("#recs-panel")
    panel.get_by_label("Title").fill("تعبيد الطريق المؤدية إلى المدرسة")
    panel.get_by_role("button", name="Save").click()
    panel.locator(".rec", has_text="تعبيد").wait_for()
    set_phase(server, code, "synthesis")
    rec = page.locator("#recs .rec", has_text="تعبيد")
    rec.wait_for()
    title, number = rec.locator(".rec-title"), rec.locator(".rec-number")
    assert title.evaluate("e => getComputedStyle(e).direction") == "rtl"
    gap = number.evaluate(
        """n => { const t = n.parentElement, r = document.createRange();
           r.setStartAfter(n); r.setEnd(t, t.childNodes.length);
           return n.getBoundingClientRect().left - r.getBoundingClientRect().right; }"""
    )
    assert 0 <= gap <= 20, gap  # the number stands just right of the title's words, as Arabic reads
    shot(page, f"phone-room-recommendation-{lang}")


@pytest.mark.parametrize("lang", ("fr", "zgh"))
def test_the_room_speaks_the_phone_language(server, phone, lang):
    page = phone()
    join(page, server, server.code, lang, "Ayyur")
    sit(page)
    expect(page.locator(".tabs .tab.active")).to_contain_text(AXIS[lang])
    expect(page.locator("#items .list-title bdi")).to_have_text(AXIS[lang])
    text = f"غياب الإنارة العمومية في حي {lang} tri sélectif 12"
    page.fill("textarea[name=text]", text)
    page.click("#post-form button[type=submit]")
    card(page, text).wait_for()
    shot(page, f"phone-room-{lang}")
