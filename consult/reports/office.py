"""The outcome report for office programs: DOCX (python-docx) and XLSX (openpyxl), right to left for Arabic."""

from __future__ import annotations

import io
import re
from typing import Any

import segno
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment, Font

from consult.reports.bidi import direction, isolate_numbers
from consult.reports.inert import xlsx_cell
from consult.reports.text import all_items, attendance_rows, decision_text, recommendation_rows
from consult.services.outcome import FOLD_BELOW

# Word and LibreOffice read right-to-left text from these properties, not from the characters.


def _rtl_paragraph(paragraph) -> None:
    # No w:jc: a bidi paragraph starts on the right by itself, and LibreOffice reads jc="right" as its end (left).
    props = paragraph._p.get_or_add_pPr()
    props.append(OxmlElement("w:bidi"))
    for run in paragraph.runs:
        _rtl_run(run)


def _rtl_run(run) -> None:
    props = run._r.get_or_add_rPr()
    props.append(OxmlElement("w:rtl"))
    language = OxmlElement("w:lang")
    language.set(qn("w:bidi"), "ar-MA")
    props.append(language)


def _keep_together(table) -> None:
    """No row split across pages, and every row kept on the page of the next: the table moves as one."""
    for n, row in enumerate(table.rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if n < len(table.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _rtl_table(table) -> None:
    props = table._tbl.tblPr
    props.append(OxmlElement("w:bidiVisual"))


class _Docx:
    def __init__(self, outcome: dict[str, Any]):
        self.rtl = outcome["direction"] == "rtl"
        self.direction = outcome["direction"]
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Noto Sans Arabic" if self.rtl else "Noto Sans"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), "Noto Sans Arabic")  # Arabic runs
        style.font.size = Pt(10)

    def orient(self, paragraph, text: str) -> None:
        """Right to left when the text's first strong letter is (dir="auto"); text without letters follows the
        report."""
        if direction(text, self.direction) == "rtl":
            _rtl_paragraph(paragraph)

    def para(self, text: str, *, style: str | None = None, bold: bool = False):
        text = isolate_numbers(text)
        paragraph = self.doc.add_paragraph(style=style)
        run = paragraph.add_run(text)
        run.bold = bold
        self.orient(paragraph, text)
        return paragraph

    def heading(self, text: str, level: int = 1):
        text = isolate_numbers(text)
        paragraph = self.doc.add_heading(text, level=level)
        self.orient(paragraph, text)
        return paragraph

    def record(self, labels: list[str], values: list[Any]) -> None:
        """One recommendation as label | value rows: its ten fields side by side do not fit a portrait page."""
        table = self.doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        if self.rtl:
            _rtl_table(table)
        for label, value in zip(labels, values, strict=True):
            if value in (None, ""):
                continue
            label_cell, value_cell = table.add_row().cells
            label_cell.width, value_cell.width = Cm(4.5), Cm(11.5)
            label_cell.text = ""
            label_cell.paragraphs[0].add_run(label).bold = True
            self.orient(label_cell.paragraphs[0], label)
            value_cell.text = isolate_numbers(str(value))
            self.orient(value_cell.paragraphs[0], value_cell.text)
        table.autofit = False
        for column, width in zip(table.columns, (Cm(4.5), Cm(11.5)), strict=True):
            column.width = width
        _keep_together(table)
        self.doc.add_paragraph()

    def table(self, header: list[str], rows: list[list[Any]]):
        if not rows:
            return None
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        if self.rtl:
            _rtl_table(table)
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
            self.orient(cell.paragraphs[0], str(text))
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = isolate_numbers("" if value is None else str(value))
                self.orient(cell.paragraphs[0], cell.text)
        # The header row repeats on every page the table runs over.
        header_props = table.rows[0]._tr.get_or_add_trPr()
        header_props.append(OxmlElement("w:tblHeader"))
        self.doc.add_paragraph()
        return table


def write_docx(outcome: dict[str, Any]) -> bytes:
    labels, workshop, attendance = outcome["labels"], outcome["workshop"], outcome["attendance"]
    out = _Docx(outcome)
    commune = workshop["commune"]["name_ar" if out.rtl else "name_fr"]
    header = out.doc.sections[0].header.paragraphs[0]
    header.text = commune
    out.orient(header, commune)
    out.heading(labels["report"], 0)
    out.heading(workshop["title"], 1)
    for key, value in (
        ("date", workshop["when"]["date"]),
        ("start", workshop["when"]["start"]),
        ("end", workshop["when"]["end"]),
        ("venue", workshop["venue"]),
        ("facilitator", workshop["facilitator"]),
        ("axes", " · ".join(workshop["axes"])),
        ("principles", " · ".join(workshop["principles"])),
    ):
        if value:
            out.para(f"{labels[key]}: {value}")
    if outcome["public"]:
        out.para(labels["public_version"])
    if outcome.get("public_url"):
        out.para(labels["public_page"], bold=True).paragraph_format.keep_with_next = True
        out.doc.add_picture(qr_png(outcome["public_url"]), width=Cm(3))
        out.para(outcome["public_url"])
    out.heading(labels["attendance"], 1)
    out.para(
        f"{labels['participants']}: {attendance['participants']}", bold=True
    ).paragraph_format.keep_with_next = True
    table = out.table(*attendance_rows(outcome))
    if table is not None:  # nobody joined: no table
        _keep_together(table)  # a few rows: never a lone header at a page's foot
    if attendance.get("folded"):
        out.para(labels["folded"] % {"count": FOLD_BELOW})
    if attendance["scribe_items"]:
        out.para(f"{labels['scribe_items']}: {attendance['scribe_items']}")
    for axis in outcome["axes"]:
        out.heading(f"{labels['axis']}: {axis['name']}", 1)
        # What people typed stands in a paragraph of its own, which takes the text's own direction.
        for problem in axis["problems"]:
            out.para(f"{labels['problem']} #{problem['id']} ({labels['votes']}: {problem['votes']})", bold=True)
            out.para(problem["text"])
            out.para(decision_text(problem, labels), style="List Bullet")
            for solution in problem["solutions"]:
                out.para(
                    f"{labels['solution']} #{solution['id']} ({labels['votes']}: {solution['votes']})"
                    f" — {decision_text(solution, labels)}",
                    style="List Bullet 2",
                )
                out.para(solution["text"], style="List Continue 2")
        for solution in axis["solutions_without_problem"]:
            out.para(f"{labels['solution']} #{solution['id']} — {decision_text(solution, labels)}", bold=True)
            out.para(solution["text"])
        if axis["hidden_items"]:
            out.para(labels["hidden_items"] % {"count": axis["hidden_items"]})
    out.heading(labels["recommendations"], 1)
    if not outcome["recommendations"]:
        out.para(labels["no_recommendations"])
    header, rows = recommendation_rows(outcome)
    for rec, row in zip(outcome["recommendations"], rows, strict=True):
        out.para(f"{rec['number']}. {rec['title']}", bold=True).paragraph_format.keep_with_next = True
        out.record([labels["text"], header[1], *header[3:]], [rec.get("body"), row[1], *row[3:]])  # the title is above
    out.heading(labels["signatures"], 1)
    names = [outcome["signatures"]["facilitator"] or "", "، ".join(outcome["signatures"]["rapporteurs"]), ""]
    signatures = out.table(
        [labels["sign_facilitator"], labels["sign_rapporteurs"], labels["sign_commune"]], [names, ["\n\n\n"] * 3]
    )
    _keep_together(signatures)
    buffer = io.BytesIO()
    out.doc.save(buffer)
    return buffer.getvalue()


def qr_png(url: str) -> io.BytesIO:
    """The QR code of the public page as a PNG, for Word and Excel."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=8, border=2)
    png.seek(0)
    return png


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text: str, taken: set[str]) -> str:
    title = _BAD_TITLE.sub(" ", text).strip()[:28] or "-"
    base, n = title, 2
    while title in taken:
        title = f"{base[:26]} {n}"
        n += 1
    taken.add(title)
    return title


def write_xlsx(outcome: dict[str, Any]) -> bytes:
    labels = outcome["labels"]
    rtl = outcome["direction"] == "rtl"
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()

    def sheet(title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        ws = book.create_sheet(_sheet_title(title, taken))
        ws.sheet_view.rightToLeft = rtl
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            xlsx_cell(cell)
        for row in rows:
            ws.append(["" if v is None else v for v in row])
        ws.freeze_panes = "A2"
        for column, width in zip(ws.columns, widths, strict=False):
            ws.column_dimensions[column[0].column_letter].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
                xlsx_cell(cell)

    per_axis: dict[str, list[list[Any]]] = {axis["name"]: [] for axis in outcome["axes"]}
    for axis, item in all_items(outcome):
        kind = labels["problem"] if item["kind"] == "problem" else labels["solution"]
        per_axis[axis["name"]].append(
            [item["id"], kind, item.get("parent_id"), item["text"], item["votes"], decision_text(item, labels)]
        )
    header = [labels["number"], labels["kind"], labels["problem"], labels["text"], labels["votes"], labels["decision"]]
    for name, rows in per_axis.items():
        sheet(name, header, rows, [8, 12, 10, 70, 8, 40])
    sheet(labels["recommendations"], *recommendation_rows(outcome), [6, 16, 40, 18, 8, 20, 20, 14, 14, 24])
    att_header, att_rows = attendance_rows(outcome)
    sheet(labels["attendance"], att_header, att_rows, [36, 10, 10, 14, 10])
    if outcome.get("public_url"):
        sheet(labels["public_page"], [labels["public_page"]], [[outcome["public_url"]]], [70])
        ws = book.worksheets[-1]
        ws["A2"].hyperlink = outcome["public_url"]
        ws.add_image(SheetImage(qr_png(outcome["public_url"])), "A4")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
