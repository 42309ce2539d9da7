"""The outcome report as PDF, with fpdf2: HarfBuzz shapes Arabic and Tifinagh; text stays searchable in logical order."""

from __future__ import annotations

import io
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from consult.reports.bidi import direction, isolate_numbers
from consult.reports.fonts import ReportFont, font_files
from consult.reports.text import attendance_rows, decision_text, recommendation_rows
from consult.services.outcome import FOLD_BELOW

MARGIN = 15
LINE = 5.5
GREEN = (15, 110, 78)
GREY = (110, 110, 110)
BARS = {
    "female": (142, 68, 173),
    "male": (31, 111, 139),
    "not_given": (138, 138, 138),
    "adopted": (15, 110, 78),
    "retained": (84, 150, 120),
    "not_retained": (125, 125, 125),
}
QR_SIZE = 24  # mm: a phone reads it from a printed page at arm's length
ELLIPSIS = "…"


class Report(FPDF):
    def __init__(self, outcome: dict[str, Any]):
        super().__init__(format="A4")
        self.outcome = outcome
        self.rtl = outcome["direction"] == "rtl"
        self.direction = outcome["direction"]
        self.align = "R" if self.rtl else "L"
        files = font_files()
        for family, styles in files.items():
            for style, path in styles.items():
                self.add_font(family, style, str(path))
        for font in self.fonts.values():
            ReportFont.adopt(font)  # the text of each letter where readers look for it
        self.main = "arabic" if self.rtl else "tifinagh" if outcome["language"] == "zgh" else "latin"
        # Every family is a fallback: a paragraph set in one script's font may hold letters of the others.
        self.set_fallback_fonts(["arabic", "latin", "tifinagh"], exact_match=False)
        self.shape()
        self.set_margins(MARGIN, 18, MARGIN)
        self.set_auto_page_break(True, margin=18)
        commune = outcome["workshop"]["commune"]
        self.commune = commune["name_ar"] if self.rtl else commune["name_fr"]
        self.set_title(f"{outcome['labels']['report']}: {outcome['workshop']['title']}")
        self.set_creator("Tashawur")
        self.set_lang(outcome["language"].split("+")[0])

    def header(self) -> None:
        self.set_font(self.main, "", 9)
        self.set_text_color(*GREY)
        self.cell(0, 6, self.commune, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*GREEN)
        self.line(MARGIN, 15, self.w - MARGIN, 15)
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        # Digits only, unshaped, so that the {nb} alias can be replaced once the page count is known.
        self.set_y(-13)
        self.set_text_shaping(False)
        self.set_font("latin", "", 9)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)
        self.shape()

    def shape(self) -> None:
        # No fixed direction: each paragraph and cell takes its own from its first strong letter (dir="auto").
        # Kerning off: its per-glyph offsets make some PDF readers extract stray characters inside words.
        self.set_text_shaping(use_shaping_engine=True, features={"kern": False})

    def font_of(self, text: str) -> str:
        """Arabic letters' own font for a right-to-left paragraph, so that its spaces and digits come from the same
        font as its words: a line drawn in one piece, which extractors read in order."""
        if direction(text, self.direction) == "rtl":
            return "arabic"
        return "latin" if self.main == "arabic" else self.main

    def align_of(self, text: str) -> str:
        """Right for a right-to-left paragraph, left otherwise; text with no letters follows the report."""
        return "R" if direction(text, self.direction) == "rtl" else "L"

    def fit(self, text: str, width: float) -> str:
        """The text cut at a word boundary, with an ellipsis, to fit width in the current font."""
        if self.get_string_width(text) <= width:
            return text
        words = text.split()
        while len(words) > 1:
            words.pop()
            cut = " ".join(words) + ELLIPSIS
            if self.get_string_width(cut) <= width:
                return cut
        word = words[0] if words else text
        while len(word) > 1 and self.get_string_width(word + ELLIPSIS) > width:
            word = word[:-1]
        return word + ELLIPSIS

    def ltr(self, text: str) -> str:
        """Dates and codes as a left-to-right island (LRI…PDI): in Arabic, 2026-11-22 must not read 22-11-2026."""
        return f"\u2066{text}\u2069" if self.rtl and text else text

    # Building blocks

    def qr(self, url: str, label: str) -> None:
        """A QR code to the public page, the label and the address beside it, at the start of the reading side."""
        if self.will_page_break(QR_SIZE + 6):
            self.add_page()
        png = io.BytesIO()
        segno.make(url, error="m").save(png, kind="png", scale=10, border=2)
        y = self.get_y() + 2
        x = self.w - MARGIN - QR_SIZE if self.rtl else MARGIN
        self.image(png, x=x, y=y, w=QR_SIZE, h=QR_SIZE, link=url)
        width = self.w - 2 * MARGIN - QR_SIZE - 4
        text_x = MARGIN if self.rtl else MARGIN + QR_SIZE + 4
        self.set_xy(text_x, y + 6)
        self.set_font(self.font_of(label), "B", 10)
        self.multi_cell(width, LINE, label, align=self.align_of(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_xy(text_x, self.get_y() + 1)
        self.set_font("latin", "", 9)
        self.set_text_color(*GREEN)
        self.cell(width, LINE, url, align="R" if self.rtl else "L", link=url)
        self.set_text_color(0, 0, 0)
        self.set_y(y + QR_SIZE + 2)

    def heading(self, text: str, size: int = 14, room: float = 40) -> None:
        """A heading that starts a new page when fewer than room mm are left for what follows it."""
        if self.will_page_break(room):
            self.add_page()
        self.ln(3)
        text = isolate_numbers(text)
        self.set_font(self.font_of(text), "B", size)
        self.set_text_color(*GREEN)
        self.multi_cell(0, size * 0.5, text, align=self.align_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def para(self, text: str, *, size: int = 10, bold: bool = False, indent: float = 0, color=(0, 0, 0)) -> None:
        text = isolate_numbers(text)
        self.set_font(self.font_of(text), "B" if bold else "", size)
        self.set_text_color(*color)
        width = self.w - 2 * MARGIN - indent
        self.set_x(MARGIN if self.rtl else MARGIN + indent)
        self.multi_cell(width, LINE, text, align=self.align_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def grid(self, header: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> None:
        """A table whose header repeats on every page; right to left in Arabic (first column on the right)."""
        if not rows:
            return
        self.set_fill_color(255, 255, 255)
        order = list(reversed(range(len(header)))) if self.rtl else list(range(len(header)))
        texts = [[isolate_numbers("" if v is None else str(v)) for v in row] for row in [header, *rows]]
        size, widths = self.column_widths(texts, widths or [1] * len(header))
        self.set_font(self.main, "", size)
        with self.table(
            col_widths=[widths[i] for i in order],
            repeat_headings=1,
            text_align=self.align,
            line_height=size * LINE / 9,
            headings_style=FontFace(family=self.main, emphasis="BOLD", fill_color=(230, 242, 236)),
            first_row_as_headings=True,
        ) as table:
            for n, row in enumerate(texts):
                line = table.row()
                for i in order:
                    # Headers follow the report; what people typed takes its own direction and font.
                    if n == 0:
                        line.cell(row[i], align=self.align)
                    else:
                        line.cell(row[i], align=self.align_of(row[i]), style=FontFace(family=self.font_of(row[i])))
        self.ln(2)

    def word_width(self, word: str) -> float:
        """The width a line needs to hold word whole: fpdf2's line breaking adds up its letters one by one."""
        return sum(self.get_string_width(char) for char in word)

    def column_widths(self, texts: list[list[str]], weights: list[float]) -> tuple[float, list[float]]:
        """A font size and column widths (mm) so that no header word, and no word of a narrow column, is broken:
        each column gets at least its longest word, the rest of the page goes by weight."""
        full = self.w - 2 * MARGIN
        share = sum(weights)
        for size in (9, 8, 7):
            floor = []
            for i, weight in enumerate(weights):
                narrow = weight / share < 0.2  # free-text columns wrap long words rather than widen
                self.set_font(self.main, "B", size)
                longest = max((self.word_width(w) for w in texts[0][i].split()), default=0)
                if narrow:
                    self.set_font(self.main, "", size)
                    words = {w for row in texts[1:] for w in row[i].split()}
                    longest = max(longest, max((self.word_width(w) for w in words), default=0))
                floor.append(longest + 2 * self.c_margin + 0.5)
            if sum(floor) <= full:
                break
        spare = full - sum(floor)
        if spare >= 0:
            # Spread the rest by weight, then give each column at least its floor.
            widths = [max(f, full * w / share) for f, w in zip(floor, weights, strict=True)]
            over = sum(widths) - full
            slack = [w - f for w, f in zip(widths, floor, strict=True)]
            widths = [w - over * s / (sum(slack) or 1) for w, s in zip(widths, slack, strict=True)]
        else:
            widths = [full * f / sum(floor) for f in floor]
        return size, widths

    def bars(self, title: str, rows: list[tuple[str, dict[str, int]]], keys: list[str], legend: dict[str, str]) -> None:
        """Horizontal stacked bars drawn with rectangles: one row per label, one colour per key."""
        if not rows:
            return
        needed = 12 + 8 * len(rows)
        if self.get_y() + needed > self.h - 20:
            self.add_page()
        self.para(title, bold=True)
        top = max(sum(v.get(k, 0) for k in keys) for _, v in rows) or 1
        label_w, full = 55, self.w - 2 * MARGIN - 65
        for label, values in rows:
            y = self.get_y() + 1
            self.set_font(self.font_of(label), "", 8)
            label_x = self.w - MARGIN - label_w if self.rtl else MARGIN
            self.set_xy(label_x, y)
            label = self.fit(isolate_numbers(label), label_w - 2 * self.c_margin)
            self.cell(label_w, 6, label, align=self.align)
            x = self.w - MARGIN - label_w - 4 if self.rtl else MARGIN + label_w + 4
            for key in keys:
                n = values.get(key, 0)
                if not n:
                    continue
                width = full * n / top
                self.set_fill_color(*BARS.get(key, GREEN))
                self.rect(x - width if self.rtl else x, y, width, 6, style="F")
                self.set_text_color(255, 255, 255)
                self.set_font("latin", "B", 8)
                self.set_xy(x - width if self.rtl else x, y)
                self.cell(width, 6, str(n), align="C")
                self.set_text_color(0, 0, 0)
                x = x - width if self.rtl else x + width
            self.set_y(y + 7)
        for key, name in legend.items():  # the legend in the bars' own colours
            self.para(name, size=8, bold=True, color=BARS.get(key, GREEN))
        self.set_fill_color(255, 255, 255)
        self.ln(2)


def write_pdf(outcome: dict[str, Any]) -> bytes:
    labels, workshop, attendance = outcome["labels"], outcome["workshop"], outcome["attendance"]
    pdf = Report(outcome)
    pdf.add_page()
    pdf.heading(labels["report"], 18)
    pdf.heading(workshop["title"], 14)
    for key, value in (
        ("date", workshop["when"]["date"]),
        ("start", pdf.ltr(workshop["when"]["start"])),
        ("end", pdf.ltr(workshop["when"]["end"])),
        ("venue", workshop["venue"]),
        ("facilitator", workshop["facilitator"]),
        ("axes", " · ".join(workshop["axes"])),
        ("principles", " · ".join(workshop["principles"])),
    ):
        if value:
            pdf.para(f"{labels[key]}: {value}")
    if outcome["public"]:
        pdf.para(labels["public_version"], size=8, color=GREY)
    if outcome.get("public_url"):
        pdf.qr(outcome["public_url"], labels["public_page"])

    pdf.heading(labels["attendance"])
    pdf.para(f"{labels['participants']}: {attendance['participants']}", bold=True)
    header, rows = attendance_rows(outcome)
    pdf.grid(header, rows, [3, 1, 1, 1, 1])
    if attendance.get("folded"):
        pdf.para(labels["folded"] % {"count": FOLD_BELOW}, size=8, color=GREY)
    pdf.bars(
        labels["category"],
        [(row[0], {"female": row[1], "male": row[2], "not_given": row[3]}) for row in rows],
        ["female", "male", "not_given"],
        {"female": labels["female"], "male": labels["male"], "not_given": labels["not_given"]},
    )
    age_rows = [[labels.get(f"age.{k}", labels["not_given"] if k == "not_given" else labels["category.other"]), n]
                for k, n in attendance["by_age"].items()]  # fmt: skip
    pdf.grid([labels["age"], labels["total"]], age_rows, [3, 1])
    pdf.grid([labels["group"], labels["total"]], [[g, n] for g, n in attendance["by_group"].items()], [3, 1])
    if attendance["scribe_items"]:
        pdf.para(f"{labels['scribe_items']}: {attendance['scribe_items']}")

    # A merged duplicate is counted in the problem it joined, not as a problem of its own.
    kept = (p for a in outcome["axes"] for p in a["problems"] if p["status"] != "merged")
    top = sorted(kept, key=lambda p: -p["votes"])[:10]
    pdf.bars(labels["votes"], [(p["text"], {"votes": p["votes"]}) for p in top if p["votes"]], ["votes"], {})

    for axis in outcome["axes"]:
        pdf.heading(f"{labels['axis']}: {axis['name']}", room=60)
        rows = []
        for problem in axis["problems"]:
            rows.append(
                [
                    f"#{problem['id']}",
                    labels["problem"],
                    problem["text"],
                    problem["votes"],
                    decision_text(problem, labels),
                ]
            )
            for solution in problem["solutions"]:
                rows.append(
                    [
                        f"#{solution['id']}",
                        f"– {labels['solution']}",
                        solution["text"],
                        solution["votes"],
                        decision_text(solution, labels),
                    ]
                )
        for solution in axis["solutions_without_problem"]:
            rows.append(
                [
                    f"#{solution['id']}",
                    labels["solution"],
                    solution["text"],
                    solution["votes"],
                    decision_text(solution, labels),
                ]
            )
        header = [labels["number"], labels["kind"], labels["text"], labels["votes"], labels["decision"]]
        pdf.grid(header, rows, [1.1, 1.6, 6, 1, 3.2])
        if axis["hidden_items"]:
            pdf.para(labels["hidden_items"] % {"count": axis["hidden_items"]}, size=9, color=GREY)

    pdf.heading(labels["recommendations"], room=80)
    if not outcome["recommendations"]:
        pdf.para(labels["no_recommendations"], size=9, color=GREY)
    header, rows = recommendation_rows(outcome)
    pdf.grid(header, rows, [0.7, 1.5, 3, 1.5, 1, 1.5, 1.5, 1.2, 1.2, 1.5])
    for rec in outcome["recommendations"]:
        if rec.get("body"):
            pdf.para(f"{rec['number']}. {rec['title']}: {rec['body']}", size=9)

    signers = [labels["sign_facilitator"], labels["sign_rapporteurs"], labels["sign_commune"]]
    names = [outcome["signatures"]["facilitator"] or "", "، ".join(outcome["signatures"]["rapporteurs"]), ""]
    rows = [signers, names, ["\n\n\n"] * 3]
    # The signature boxes stay on one page with their heading, never alone on the next.
    pdf.set_font(pdf.main, "B", 9)
    width = (pdf.w - 2 * MARGIN) / 3 - 2 * pdf.c_margin
    lines = sum(max(len(pdf.multi_cell(width, LINE, t, dry_run=True, output="LINES")) for t in r) for r in rows)
    if pdf.will_page_break(20 + lines * LINE + 4):
        pdf.add_page()
    pdf.heading(labels["signatures"])
    pdf.grid(signers, rows[1:], [1, 1, 1])
    return bytes(pdf.output())
