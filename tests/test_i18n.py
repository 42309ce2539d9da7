"""Languages: plural forms, Moroccan dates and numbers, and how a request picks its language."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from flask_babel import force_locale, ngettext

from consult.i18n import format_clock, format_day, format_number, plural_forms, text_direction
from consult.web.facilitate import items_count
from tests.conftest import make_workshop

ARABIC_INDIC_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


def html_tag(response) -> str:
    return re.search(r"<html [^>]*>", response.get_data(as_text=True)).group(0)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "لا توجد أي مساهمة"),  # zero
        (1, "مساهمة واحدة"),  # one
        (2, "مساهمتان"),  # two (dual)
        (3, "3 مساهمات"),  # few: 3-10 take the plural
        (11, "11 مساهمةً"),  # many: 11-99 take the singular, accusative
        (100, "100 مساهمة"),  # other: 100-102 take the singular, genitive
        (103, "103 مساهمات"),
        (111, "111 مساهمةً"),
    ],
)
def test_arabic_counts_items_with_its_six_plural_forms(app, n, expected):
    with force_locale("ar"):
        assert ngettext("%(num)d item", "%(num)d items", n) == expected


def test_the_board_script_gets_every_plural_form_by_cldr_category(app):
    with force_locale("ar"):
        forms = plural_forms(items_count)
    assert forms == {
        "zero": "لا توجد أي مساهمة",
        "one": "مساهمة واحدة",
        "two": "مساهمتان",
        "few": "{n} مساهمات",
        "many": "{n} مساهمةً",
        "other": "{n} مساهمة",
    }
    with force_locale("fr"):
        assert plural_forms(items_count) == {
            "one": "{n} contribution",
            "other": "{n} contributions",
            "many": "{n} contributions",
        }
    with force_locale("zgh"):
        assert list(plural_forms(items_count)) == ["other"]


def test_dates_are_written_as_in_morocco_with_western_digits(app):
    may = date(2024, 5, 20)
    with force_locale("ar"):
        assert format_day(may) == "20 ماي 2024"  # Moroccan month names, not "مايو"
        assert format_day(date(2024, 8, 3)) == "3 غشت 2024"
        assert format_number(1250) == "1.250"
    with force_locale("fr"):
        assert format_day(may) == "20 mai 2024"
    with force_locale("zgh"):
        assert format_day(may) == "20 ⵎⴰⵢⵢⵓ 2024"
    with force_locale("en"):
        assert format_day(may) == "May 20, 2024"
    for lang in ("ar", "fr", "zgh", "en"):
        with force_locale(lang):
            assert not ARABIC_INDIC_DIGITS.search(format_day(may) + format_number(1234567.5)), lang
    assert format_day(None) == ""


def test_times_are_told_in_moroccan_time(app):
    stored = datetime(2026, 11, 22, 8, 30)  # naive UTC, as stored
    with force_locale("ar"):
        assert format_clock(stored) == "09:30"  # Africa/Casablanca is UTC+1 outside Ramadan
    assert format_clock(None) == ""


def test_direction_of_each_language():
    assert [text_direction(x) for x in ("ar", "fr", "zgh", "en", "ar+fr")] == ["rtl", "ltr", "ltr", "ltr", "rtl"]


def test_a_chosen_language_is_remembered_for_that_browser(client):
    assert html_tag(client.get("/")) == '<html lang="ar" dir="rtl">'
    assert html_tag(client.get("/?lang=zgh")) == '<html lang="zgh" dir="ltr">'
    assert html_tag(client.get("/login")) == '<html lang="zgh" dir="ltr">'
    assert html_tag(client.get("/login?lang=xx")) == '<html lang="zgh" dir="ltr">'  # unknown: ignored


def test_without_a_choice_the_workshop_then_the_browser_then_arabic_decide(app, client, facilitator):
    french = make_workshop(facilitator, language="fr")
    assert html_tag(client.get(f"/j/{french.code}", headers={"Accept-Language": "en"})) == '<html lang="fr" dir="ltr">'
    assert html_tag(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})) == '<html lang="en" dir="ltr">'
    assert html_tag(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})) == '<html lang="ar" dir="rtl">'


def test_the_board_speaks_the_workshops_language_whatever_the_laptop_chose(app, client, auth, facilitator):
    french = make_workshop(facilitator, language="fr")
    auth.login(facilitator)
    client.get("/facilitate/?lang=en")  # the facilitator works in English
    assert html_tag(client.get(f"/facilitate/{french.code}/control")) == '<html lang="en" dir="ltr">'
    board = client.get(f"/w/{french.code}/board")
    assert html_tag(board) == '<html lang="fr" dir="ltr">'
    assert "0 contribution" in board.get_data(as_text=True)
    assert html_tag(client.get(f"/w/{french.code}/board?lang=ar")) == '<html lang="ar" dir="rtl">'


def test_the_language_switch_keeps_the_page_and_its_query(client, auth, facilitator, workshop):
    auth.login(facilitator)
    board = client.get(f"/w/{workshop.code}/board?view=recommendations&lang=fr").get_data(as_text=True)
    assert f'href="/w/{workshop.code}/board?view=recommendations&amp;lang=zgh"' in board
    home = client.get("/?lang=en").get_data(as_text=True)
    for code in ("ar", "fr", "zgh", "en"):
        assert f'href="/?lang={code}" lang="{code}"' in home
    login = client.get("/login?next=%2Ffacilitate%2F&lang=fr").get_data(as_text=True)
    assert 'href="/login?next=%2Ffacilitate%2F&amp;lang=en"' in login
