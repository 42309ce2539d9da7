"""The outcome report as PDF, with fpdf2: HarfBuzz shapes Arabic and Tifinagh; text stays searchable in logical order."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from consult.reports.fonts import font_files
from consult.reports.text import attendance_rows, decision_text, recommendation_rows

MARGIN = 15
LINE = 5.5
GREEN = (15, 110, 78)
GREY = (110, 110, 110)
BARS = {"female": (142, 68, 173), "male": (31, 111, 139), "not_given": (138, 138, 138)}


class Report(FPDF):
    def __init__(self, outcome: dict[str, Any]):
        super().__init__(format="A4")
        self.outcome = outcome
        self.rtl = outcome["direction"] == "rtl"
        self.align = "R" if self.rtl else "L"
        files = font_files()
        for family, styles in files.items():
            for style, path in styles.items():
                self.add_font(family, style, str(path))
        self.main = "arabic" if self.rtl else "tifinagh" if outcome["language"] == "zgh" else "latin"
        self.set_fallback_fonts([f for f in ("arabic", "latin", "tifinagh") if f != self.main], exact_match=False)
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
        # Kerning off: its per-glyph offsets make some PDF readers extract stray characters inside words.
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr", features={"kern": False})

    def ltr(self, text: str) -> str:
        """Dates and codes as a left-to-right island (LRI…PDI): in Arabic, 2026-11-22 must not read 22-11-2026."""
        return f"\u2066{text}\u2069" if self.rtl and text else text

    # Building blocks

    def heading(self, text: str, size: int = 14) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font(self.main, "B", size)
        self.set_text_color(*GREEN)
        self.multi_cell(0, size * 0.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def para(self, text: str, *, size: int = 10, bold: bool = False, indent: float = 0, color=(0, 0, 0)) -> None:
        self.set_font(self.main, "B" if bold else "", size)
        self.set_text_color(*color)
        width = self.w - 2 * MARGIN - indent
        self.set_x(MARGIN if self.rtl else MARGIN + indent)
        self.multi_cell(width, LINE, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def grid(self, header: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> None:
        """A table whose header repeats on every page; right to left in Arabic (first column on the right)."""
        if not rows:
            return
        self.set_fill_color(255, 255, 255)
        order = list(reversed(range(len(header)))) if self.rtl else list(range(len(header)))
        widths = widths or [1] * len(header)
        self.set_font(self.main, "", 9)
        with self.table(
            col_widths=[widths[i] for i in order],
            repeat_headings=1,
            text_align=self.align,
            line_height=LINE,
            headings_style=_bold_heading(self.main),
            first_row_as_headings=True,
        ) as table:
            for row in [header, *rows]:
                line = table.row()
                for i in order:
                    line.cell("" if row[i] is None else str(row[i]))
        self.ln(2)

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
            self.set_font(self.main, "", 8)
            label_x = self.w - MARGIN - label_w if self.rtl else MARGIN
            self.set_xy(label_x, y)
            self.cell(label_w, 6, label[:40], align=self.align)
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


def _bold_heading(family: str):
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", fill_color=(230, 242, 236))


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

    pdf.heading(labels["attendance"])
    pdf.para(f"{labels['participants']}: {attendance['participants']}", bold=True)
    header, rows = attendance_rows(outcome)
    pdf.grid(header, rows, [3, 1, 1, 1, 1])
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

    top = sorted((p for a in outcome["axes"] for p in a["problems"]), key=lambda p: -p["votes"])[:10]
    pdf.bars(labels["votes"], [(p["text"], {"votes": p["votes"]}) for p in top if p["votes"]], ["votes"], {})

    for axis in outcome["axes"]:
        pdf.heading(f"{labels['axis']}: {axis['name']}")
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
                        f"↳ {labels['solution']}",
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

    pdf.heading(labels["recommendations"])
    header, rows = recommendation_rows(outcome)
    pdf.grid(header, rows, [0.7, 1.5, 3, 1.5, 1, 1.5, 1.5, 1.2, 1.2, 1.5])
    for rec in outcome["recommendations"]:
        rec["deadline"] = pdf.ltr(rec.get("deadline") or "")
        if rec.get("body"):
            pdf.para(f"{rec['number']}. {rec['title']}: {rec['body']}", size=9)

    pdf.heading(labels["signatures"])
    signers = [labels["sign_facilitator"], labels["sign_rapporteurs"], labels["sign_commune"]]
    names = [outcome["signatures"]["facilitator"] or "", "، ".join(outcome["signatures"]["rapporteurs"]), ""]
    pdf.grid(signers, [names, ["\n\n\n"] * 3], [1, 1, 1])
    return bytes(pdf.output())
