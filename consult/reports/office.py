"""The outcome report for office programs: DOCX (python-docx) and XLSX (openpyxl), right to left for Arabic."""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from consult.reports.inert import xlsx_cell
from consult.reports.text import all_items, attendance_rows, decision_text, recommendation_rows

# Word and LibreOffice read right-to-left text from these properties, not from the characters.


def _rtl_paragraph(paragraph) -> None:
    props = paragraph._p.get_or_add_pPr()
    props.append(OxmlElement("w:bidi"))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in paragraph.runs:
        _rtl_run(run)


def _rtl_run(run) -> None:
    props = run._r.get_or_add_rPr()
    props.append(OxmlElement("w:rtl"))
    language = OxmlElement("w:lang")
    language.set(qn("w:bidi"), "ar-MA")
    props.append(language)


def _rtl_table(table) -> None:
    props = table._tbl.tblPr
    props.append(OxmlElement("w:bidiVisual"))


class _Docx:
    def __init__(self, outcome: dict[str, Any]):
        self.rtl = outcome["direction"] == "rtl"
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Noto Sans Arabic" if self.rtl else "Noto Sans"
        style.font.size = Pt(10)

    def para(self, text: str, *, style: str | None = None, bold: bool = False):
        paragraph = self.doc.add_paragraph(style=style)
        run = paragraph.add_run(text)
        run.bold = bold
        if self.rtl:
            _rtl_paragraph(paragraph)
        return paragraph

    def heading(self, text: str, level: int = 1):
        paragraph = self.doc.add_heading(text, level=level)
        if self.rtl:
            _rtl_paragraph(paragraph)
        return paragraph

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        if self.rtl:
            _rtl_table(table)
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
            if self.rtl:
                _rtl_paragraph(cell.paragraphs[0])
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = "" if value is None else str(value)
                if self.rtl:
                    _rtl_paragraph(cell.paragraphs[0])
        # The header row repeats on every page the table runs over.
        header_props = table.rows[0]._tr.get_or_add_trPr()
        header_props.append(OxmlElement("w:tblHeader"))
        self.doc.add_paragraph()


def write_docx(outcome: dict[str, Any]) -> bytes:
    labels, workshop, attendance = outcome["labels"], outcome["workshop"], outcome["attendance"]
    out = _Docx(outcome)
    commune = workshop["commune"]["name_ar" if out.rtl else "name_fr"]
    header = out.doc.sections[0].header.paragraphs[0]
    header.text = commune
    if out.rtl:
        _rtl_paragraph(header)
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
    out.heading(labels["attendance"], 1)
    out.para(f"{labels['participants']}: {attendance['participants']}", bold=True)
    out.table(*attendance_rows(outcome))
    if attendance["scribe_items"]:
        out.para(f"{labels['scribe_items']}: {attendance['scribe_items']}")
    for axis in outcome["axes"]:
        out.heading(f"{labels['axis']}: {axis['name']}", 1)
        for problem in axis["problems"]:
            out.para(
                f"{labels['problem']} #{problem['id']} ({labels['votes']}: {problem['votes']}): {problem['text']}",
                bold=True,
            )
            out.para(decision_text(problem, labels), style="List Bullet")
            for solution in problem["solutions"]:
                out.para(
                    f"{labels['solution']} #{solution['id']} ({labels['votes']}: {solution['votes']}): {solution['text']}"
                    f" — {decision_text(solution, labels)}",
                    style="List Bullet 2",
                )
        for solution in axis["solutions_without_problem"]:
            out.para(f"{labels['solution']} #{solution['id']}: {solution['text']} — {decision_text(solution, labels)}")
        if axis["hidden_items"]:
            out.para(labels["hidden_items"] % {"count": axis["hidden_items"]})
    out.heading(labels["recommendations"], 1)
    out.table(*recommendation_rows(outcome))
    for rec in outcome["recommendations"]:
        if rec.get("body"):
            out.para(f"{rec['number']}. {rec['title']}: {rec['body']}")
    out.heading(labels["signatures"], 1)
    names = [outcome["signatures"]["facilitator"] or "", "، ".join(outcome["signatures"]["rapporteurs"]), ""]
    out.table([labels["sign_facilitator"], labels["sign_rapporteurs"], labels["sign_commune"]], [names, ["\n\n\n"] * 3])
    buffer = io.BytesIO()
    out.doc.save(buffer)
    return buffer.getvalue()


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
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
