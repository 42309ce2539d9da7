"""Cleaning of user input (text and ids) before it is stored or looked up."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from consult.extensions import db
from consult.services.errors import invalid

ITEM_TEXT_MAX = 1000  # characters: a long paragraph, about what fits on a phone screen
# Bidi embedding/override/isolate controls can disguise text ("Trojan Source"); user text is isolated by the page instead.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# C0/C1 control characters other than tab and newline.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Surrogate code points: JSON can carry a lone one (\\ud800), but no database or UTF-8 page can store it.
_SURROGATES = re.compile("[\ud800-\udfff]")
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses. Longer strings are not ids.
_ID = re.compile("[0-9]{1,32}")
ID_MAX = 2**63 - 1  # the largest id a database column holds
UNREADABLE = _l("This text contains a character that cannot be read. Type it again.")


def clean_text(
    value: object, *, field: str, max_length: int, required: bool = True, multiline: bool = True
) -> str | None:
    """Return the stripped, NFC-normalized text, or raise ServiceError('invalid')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(_l("This field is required."), field)
        return None
    if not isinstance(value, str):
        raise invalid(_l("This field must be text."), field)
    if has_surrogates(value):
        raise invalid(UNREADABLE, field)
    text = unicodedata.normalize("NFC", value)
    text = BIDI_CONTROLS.sub("", _CONTROLS.sub("", text.replace("\r\n", "\n")))
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    if not text:
        if required:
            raise invalid(_l("This field is required."), field)
        return None
    if len(text) > max_length:
        raise invalid(_l("This text is too long (at most %(max)d characters).", max=max_length), field)
    return text


def has_surrogates(value: str) -> bool:
    """True when the text holds a code point that UTF-8 cannot encode."""
    return _SURROGATES.search(value) is not None


def choice(value: object, allowed: tuple[str, ...], *, field: str) -> str | None:
    """An optional value that must be one of allowed."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in allowed:
        raise invalid(_l("This choice is not valid."), field)
    return value


def as_id(value: object) -> int | None:
    """The integer of a JSON number or string of digits, or None when it is neither.

    The result may lie outside 1..ID_MAX: callers treat such a number as an unknown id.
    """
    if isinstance(value, str) and _ID.fullmatch(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def get_by_id(model: type, value: int, *options: object) -> object | None:
    """db.session.get that answers None for ids no column can hold."""
    return db.session.get(model, value, options=options or None) if 0 < value <= ID_MAX else None


def id_list(value: object, *, max_items: int) -> list[int] | None:
    """A JSON list of distinct integer ids, in order, or None when it is not one."""
    if not isinstance(value, list) or len(value) > max_items:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return None
    return list(dict.fromkeys(value))
