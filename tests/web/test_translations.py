"""Every extracted string has an Arabic and a French translation, and the catalogs match the code."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "translations"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_string_is_translated(lang):
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    assert template <= {m.id for m in catalog if m.id}, "run `make messages` and translate the new strings"


def test_the_catalogs_hold_every_string_of_the_code(tmp_path):
    out = tmp_path / "fresh.pot"
    pybabel = str(Path(sys.executable).parent / "pybabel")
    command = [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(out), "."]
    subprocess.run(command, cwd=TRANSLATIONS.parent, check=True)
    with out.open("rb") as f:
        fresh = {m.id for m in read_po(f) if m.id}
    for lang in ("ar", "fr"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            known = {m.id for m in read_po(f) if m.id and m.string}
        assert fresh - known == set(), f"{lang}: run `make messages` and translate these"
