"""The report fonts: full Noto TTFs from npm, cut by `make setup` (pyftsubset) into build/fonts, read as they are."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Any

from fpdf.fonts import TTFFont

FOLDER = Path(__file__).resolve().parent.parent.parent / "build" / "fonts"
# family -> {style: file}; "" is regular, "B" bold (Noto Sans Tifinagh has one weight).
FAMILIES = {
    "arabic": {"": "NotoSansArabic-400Regular.ttf", "B": "NotoSansArabic-700Bold.ttf"},
    "latin": {"": "NotoSans-400Regular.ttf", "B": "NotoSans-700Bold.ttf"},
    "tifinagh": {"": "NotoSansTifinagh-400Regular.ttf", "B": "NotoSansTifinagh-400Regular.ttf"},
}


def font_files() -> dict[str, dict[str, Path]]:
    """family -> style -> TTF path."""
    files: dict[str, dict[str, Path]] = {}
    for family, styles in FAMILIES.items():
        files[family] = {}
        for style, name in styles.items():
            path = FOLDER / name
            if not path.exists():
                raise RuntimeError(f"report font {name} is missing: run `make setup`")
            files[family][style] = path
    return files


class _Nothing(int):
    """A code point the PDF's ToUnicode map writes as <>: the glyph stands for no text of its own."""

    def __format__(self, spec: str) -> str:
        return ""


NOTHING = (_Nothing(0),)
CONTROL_CODES = 31  # 0x01-0x1F: codes pypdf drops when they map to no text (a printable one it would print)


class ReportFont(TTFFont):
    """fpdf2's font, with each shaped cluster's text given to its base glyph.

    Noto Sans Arabic draws a dotted letter as a dotless body and a mark for the dots (its ccmp feature). In right to
    left text HarfBuzz puts the mark first, and fpdf2 (2.8.9) gives the letter to the first glyph: readers then took
    the dots, drawn apart from the line, for the letter ("ج ماع ة" in pdftotext) and the body's bare code for a
    character of its own ("الش(فافية" in pypdf). Here the letter goes to the widest glyph of its cluster, a haraka
    joins the letter it sits on, and a mark maps to no text, under a code below 0x20 (pypdf prints others as is).
    """

    __slots__ = ()

    @classmethod
    def adopt(cls, font: TTFFont) -> None:
        """Make one of fpdf2's fonts a ReportFont, its marks holding the first codes of its subset."""
        font.__class__ = cls
        if "GDEF" not in font.ttfont or not font.ttfont["GDEF"].table.GlyphClassDef:
            return
        classes = font.ttfont["GDEF"].table.GlyphClassDef.classDefs
        encoded = set(font.ttfont.getBestCmap().values())
        # Typed marks (harakat, hamza, madda) first, then the unencoded ones a letter is split into (dots).
        typed = [f"uni{u:04X}" for u in (*range(0x064B, 0x0656), 0x0670)]
        marks = [n for n in typed if classes.get(n) == 3]
        marks += [n for n, kind in classes.items() if kind == 3 and n not in encoded and ".medium" not in n]
        for name in marks[:CONTROL_CODES]:
            gid = font.ttfont.getGlyphID(name)
            width = round(font.scale * font.ttfont["hmtx"].metrics[name][0])
            font.subset.pick_glyph(
                font.subset.get_glyph(glyph=gid, unicode=NOTHING, glyph_name=name, glyph_width=width)
            )

    def shape_text(self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None) -> list[dict]:
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        starts = sorted({int(info.cluster) for info in infos})
        # A cluster drawn only with marks (a shadda, a haraka) goes with the letter before it, in logical order.
        drawn = {int(info.cluster) for info, position in zip(infos, positions, strict=True) if position.x_advance}
        target: dict[int, int] = {}
        base = None
        for start in starts:
            base = start if start in drawn or base is None else base
            target[start] = base
        chars: dict[int, list[int]] = {}
        for i, char in enumerate(text):
            chars.setdefault(target[starts[max(bisect_right(starts, i) - 1, 0)]], []).append(ord(char))
        owner: dict[int, int] = {}
        for n, (info, position) in enumerate(zip(infos, positions, strict=True)):
            best = owner.get(info.cluster)
            if best is None or position.x_advance > positions[best].x_advance:
                owner[info.cluster] = n
        shaped = []
        for n, (info, position) in enumerate(zip(infos, positions, strict=True)):
            name = self.ttfont.getGlyphName(info.codepoint)
            width = round(self.scale * self.ttfont["hmtx"].metrics[name][0])
            unicode = (tuple(chars.get(info.cluster, ())) if owner[info.cluster] == n else ()) or NOTHING
            glyph = self.subset.get_glyph(glyph=info.codepoint, unicode=unicode, glyph_name=name, glyph_width=width)
            if glyph is None:
                continue
            moved = position.x_offset or position.y_offset or position.y_advance or width != position.x_advance
            shaped.append(
                {
                    "mapped_char": self.subset.pick_glyph(glyph),
                    "x_advance": position.x_advance,
                    "y_advance": position.y_advance,
                    "x_offset": position.x_offset,
                    "y_offset": position.y_offset,
                    "force_positioning": bool(moved),
                }
            )
        return shaped
