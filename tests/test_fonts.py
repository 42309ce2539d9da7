"""The self-hosted font subsets still hold every letter the product and its users write."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from consult.i18n import LANGUAGE_NAMES

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "vendor" / "fonts"
# Arabic as typed in Moroccan workshops: MSA with harakat and tanween, Darija and names with ڭ گ ڤ پ چ, digits.
WRITTEN = "أيت عميرة، الرقمنة؛ مساهمةً؟ ڭ گ ڤ پ چ ٪ ١٢٣ ـ «ورشة» ﷲ ﴾﴿"


def glyphs(stem: str) -> set[int]:
    path = FONTS / f"{stem}.woff2"
    if not path.exists():
        pytest.skip("run `make setup` first: the fonts are made from the npm packages")
    return set(TTFont(path).getBestCmap())


def catalog_text(lang: str) -> str:
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        messages = [m for m in read_po(f) if m.id]
    return "".join("".join(m.string) if m.pluralizable else m.string for m in messages)


@pytest.mark.parametrize("weight", ["400", "700"])
def test_the_arabic_subset_covers_the_catalog_and_what_people_type(weight):
    covered = glyphs(f"noto-sans-arabic-{weight}")
    text = catalog_text("ar") + WRITTEN
    missing = {c for c in text if "\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff"} - {chr(u) for u in covered}
    assert missing == set()


def test_the_tifinagh_subset_covers_the_whole_script():
    covered = glyphs("noto-sans-tifinagh-400")
    # Every assigned letter of the Tifinagh block (U+2D30-2D67, U+2D6F-2D70, U+2D7F).
    block = [*range(0x2D30, 0x2D68), 0x2D6F, 0x2D70, 0x2D7F]
    assert [hex(u) for u in block if u not in covered] == []
    assert {c for c in catalog_text("zgh") if "\u2d30" <= c <= "\u2d7f"} <= {chr(u) for u in covered}


def test_the_switchs_tifinagh_letters_are_served_to_every_page():
    """ⵜⴰⵎⴰⵣⵉⵖⵜ in the language switch is drawn by a 6-letter font that every page may fetch, not by the phone."""
    covered = {chr(u) for u in glyphs("tifinagh-name")}
    assert set(LANGUAGE_NAMES["zgh"]) == covered
    css = (ROOT / "static" / "css" / "app.css").read_text()
    declared = css.split('font-family: "Tifinagh Name"')[1].split("unicode-range:")[1].split(";")[0]
    assert {chr(int(u.strip()[2:], 16)) for u in declared.split(",")} == covered


# The PDF report's fonts (build/fonts, cut by `make setup` from the full TTFs of the npm packages).
PDF_FONTS = ROOT / "build" / "fonts"
TAMAZIGHT_LATIN = "ɛɣḍḥṛṣṭẓǧƐƔḌḤṚṢṬẒǦ"


def pdf_font(name: str) -> TTFont:
    path = PDF_FONTS / name
    assert path.exists(), "the report fonts are made by `make setup`"
    return TTFont(path)


@pytest.mark.parametrize("weight", ["400Regular", "700Bold"])
def test_the_report_fonts_cover_the_catalogs_and_keep_what_shaping_and_copying_need(weight):
    arabic = pdf_font(f"NotoSansArabic-{weight}.ttf")
    covered = {chr(u) for u in arabic.getBestCmap()}
    text = catalog_text("ar") + WRITTEN
    assert {c for c in text if "\u0600" <= c <= "\u06ff"} - covered == set()
    # Every layout feature kept: joining forms, lam-alef, the marks placed on their letters.
    gsub = {r.FeatureTag for r in arabic["GSUB"].table.FeatureList.FeatureRecord}
    gpos = {r.FeatureTag for r in arabic["GPOS"].table.FeatureList.FeatureRecord}
    assert {"ccmp", "init", "medi", "fina", "rlig"} <= gsub and {"mark", "mkmk"} <= gpos
    assert "dotbelowar" in arabic.getGlyphOrder()  # glyph names kept
    latin = {chr(u) for u in pdf_font(f"NotoSans-{weight}.ttf").getBestCmap()}
    assert set(catalog_text("fr") + TAMAZIGHT_LATIN) - latin - {"\n"} == set()


def test_the_report_tifinagh_font_covers_the_whole_script():
    covered = pdf_font("NotoSansTifinagh-400Regular.ttf").getBestCmap()
    block = [*range(0x2D30, 0x2D68), 0x2D6F, 0x2D70, 0x2D7F]
    assert [hex(u) for u in block if u not in covered] == []
