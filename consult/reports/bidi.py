"""Direction of report text: each paragraph of what people typed reads in its own direction, as dir="auto" does."""

from __future__ import annotations

import re
import unicodedata

LRI, PDI = "\u2066", "\u2069"
# Digits joined by hyphens (law 09-08, 2027-06-30) or grouped by spaces (250 000): among Arabic letters the bidi
# algorithm lays the groups out right to left (08-09, 000 250).
_NUMBER = re.compile(r"(?<![\d\u2066])\d+(?:(?:[-\u2010\u2011]\d+)+|(?:[ \u00a0\u202f]\d{3})+)(?![\d\u2069])")


def direction(text: str, default: str = "ltr") -> str:
    """ "rtl" or "ltr" from the first strong letter outside isolates (Unicode rules P2-P3); default when none."""
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI" and depth:
            depth -= 1
        elif depth == 0 and kind in ("R", "AL"):
            return "rtl"
        elif depth == 0 and kind == "L":
            return "ltr"
    return default


def isolate_numbers(text: str) -> str:
    """Hyphenated and space-grouped numbers as left-to-right islands: "القانون 09-08" never reads 08-09."""
    return _NUMBER.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", text)
