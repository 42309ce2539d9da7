"""Languages: which ones, their direction, how a request picks one, and locale-aware dates, times and numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale

# Arabic first: the default. zgh is Standard Moroccan Tamazight, written in Tifinagh.
LANGUAGES = ("ar", "fr", "zgh", "en")
# Each language named in itself, so that a reader finds their own whatever the page's language.
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ", "en": "English"}
RTL_LANGUAGES = {"ar"}
# Dates and numbers follow Moroccan usage (month names such as "ماي", "غشت"; Western digits 0-9).
REGIONAL = {"ar": "ar_MA", "fr": "fr_MA", "zgh": "zgh_MA", "en": "en"}
TIMEZONE = "Africa/Casablanca"


def text_direction(lang: str) -> str:
    """rtl for Arabic (and a report in "ar+fr", which starts in Arabic), ltr otherwise."""
    return "rtl" if lang.split("+")[0].split("_")[0] in RTL_LANGUAGES else "ltr"


def asked_language(value: str | None) -> str | None:
    """?lang= as a person types it: "ar+fr" in an address bar arrives as "ar fr", since + in a query is a space."""
    return "+".join(value.split()) if value else value


def select_locale() -> str:
    """?lang= (remembered for the browser), a screen's own language (the board), the remembered choice,
    the page's workshop, the browser's Accept-Language, then Arabic."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI and tests: the locale they forced, else the default
        return g.get("locale") or default
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    for candidate in (g.get("locale"), g.get("screen_language"), session.get("lang"), g.get("workshop_language")):
        if candidate in LANGUAGES:
            return candidate
    return request.accept_languages.best_match(LANGUAGES) or default


def current_language() -> str:
    return str(get_locale() or "ar")


def _regional() -> Locale:
    return Locale.parse(REGIONAL.get(current_language(), "ar_MA"))


def format_day(day: date | None, width: str = "long") -> str:
    """15 أبريل 2024 · 15 avril 2024 · 15 ⵉⴱⵔⵉⵔ 2024 · April 15, 2024."""
    return dates.format_date(day, width, locale=_regional()) if day else ""


def format_clock(moment: datetime | None) -> str:
    """The hour and minute in Morocco of a stored (naive UTC) time: 09:30."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    # zoneinfo, not Babel's pytz lookup, which put Casablanca at UTC+0 in November 2026 when measured.
    return dates.format_time(aware.astimezone(ZoneInfo(TIMEZONE)), "HH:mm", locale=_regional())


def format_number(value: float | int) -> str:
    """Grouped, with the locale's separators and Western digits: 1 250 in French, 1.250 in Moroccan Arabic."""
    return numbers.format_decimal(value, locale=_regional())


def plural_forms(message: Callable[[int], str]) -> dict[str, str]:
    """A plural message's forms keyed by CLDR category (zero, one, two, few, many, other), for a script to pick
    with Intl.PluralRules; "{n}" stands for the number. message is n -> ngettext(singular, plural, n)."""
    rules = Locale.parse(current_language()).plural_form
    forms: dict[str, str] = {}
    for n in (0, 1, 2, 3, 11, 100, 1_000_000):
        forms.setdefault(rules(n), message(n).replace(str(n), "{n}"))
    return forms


def init_app(app: Any) -> None:
    app.jinja_env.filters.update(day=format_day, clock=format_clock, number=format_number)
