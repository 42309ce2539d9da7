"""Every extracted string has an Arabic, a French and a Tamazight translation, and the catalogs match the code."""

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "translations"


TRANSLATED = ("ar", "fr", "zgh")  # English is the source language


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_is_translated(lang):
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and (m.fuzzy or not (all(m.string) if m.pluralizable else m.string))]
    assert missing == []
    assert template <= {m.id for m in catalog if m.id}, "run `make messages` and translate the new strings"


def test_the_catalogs_hold_every_string_of_the_code(tmp_path):
    out = tmp_path / "fresh.pot"
    pybabel = str(Path(sys.executable).parent / "pybabel")
    command = [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(out), "."]
    subprocess.run(command, cwd=TRANSLATIONS.parent, check=True)
    with out.open("rb") as f:
        fresh = {m.id for m in read_po(f) if m.id}
    for lang in TRANSLATED:
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            known = {m.id for m in read_po(f) if m.id and m.string and all(m.string)}
        assert fresh - known == set(), f"{lang}: run `make messages` and translate these"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return [m for m in read_po(f) if m.id]


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    """A lost %(max)d hides a number from the reader; an invented one breaks the page."""
    wrong = []
    for m in catalog(lang):
        source = placeholders(m.id[-1] if m.pluralizable else m.id)
        for form in m.string if m.pluralizable else (m.string,):
            # A plural form may spell its number out ("one contribution"); no form may add a name.
            if placeholders(form) - source or (not m.pluralizable and placeholders(form) != source):
                wrong.append((m.id, form))
    assert wrong == []


# Latin a Tamazight interface keeps as it is: placeholders, product and format names, the equality body's acronym,
# field names in quotes (“since”), keyboard keys (R, D, N, P) and the symbol of the second.
KEPT_LATIN = re.compile(
    r"%\(\w+\)[sd]|\{\w+\}( s\b)?|“[a-z_]+”|\b[A-Z]\b"
    r"|\b(PDF|DOCX|XLSX|CSV|JSON|Markdown|QR|IECG|JavaScript|Tashawur|OK|PAC|PNG|JPEG|MB|Wi-Fi)\b|https?://"
)


def test_tamazight_is_written_in_tifinagh():
    """zgh means Standard Moroccan Tamazight in Tifinagh: no string may fall back to Latin or Arabic letters."""
    stray = []
    for m in catalog("zgh"):
        for form in m.string if m.pluralizable else (m.string,):
            letters = [c for c in KEPT_LATIN.sub("", form) if c.isalpha()]
            if letters and any(not "\u2d30" <= c <= "\u2d7f" for c in letters):
                stray.append((m.id, form))
    assert stray == []


def test_plural_headers_follow_cldr():
    """Babel writes Arabic's last two forms in the wrong order and gives Tamazight two forms; CLDR says otherwise."""
    with (TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        arabic = read_po(f)
    with (TRANSLATIONS / "zgh" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        tamazight = read_po(f)
    form = gettext.c2py(arabic.plural_expr)
    # CLDR's order: zero, one, two, few (3-10), many (11-99), other (100-102, ...).
    assert [form(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111)] == [0, 1, 2, 3, 3, 4, 4, 5, 5, 3, 4]
    assert tamazight.num_plurals == 1
    assert [gettext.c2py(tamazight.plural_expr)(n) for n in (0, 1, 2, 11)] == [0, 0, 0, 0]
