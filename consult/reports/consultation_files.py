"""The consultation report as PDF, DOCX and XLSX, built with the workshop report's blocks: the same fonts, HarfBuzz
shaping, per-paragraph direction, right-to-left tables, and inert spreadsheet cells."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from consult.reports.consultation import (
    CSV_COLUMNS,
    answer_kind,
    comment_rows,
    commune_name,
    count_lines,
    csv_rows,
    heavy_lines,
    participation_tables,
    status_line,
    support_rows,
)
from consult.reports.inert import xlsx_cell
from consult.reports.office import _Docx, _keep_together, _sheet_title
from consult.reports.pdf import GREY, Report
from consult.services.outcome import FOLD_BELOW


def _dated(report: dict[str, Any]) -> datetime:
    """The files' own date: the consultation's opening, not the moment of writing, so that the same report is the
    same bytes (its ETag then lets a proxy and a phone keep it)."""
    moment = report["consultation"]["opens_at"] or "2000-01-01T00:00:00Z"
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _same_zip(data: bytes, moment: datetime) -> bytes:
    """An Office file (a zip) with every entry dated moment: the zip's own dates are the moment of writing."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=moment.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(entry))
    return out.getvalue()


def _frame(report: dict[str, Any]) -> dict[str, Any]:
    """What the workshop report's PDF page needs to know: direction, language, title and commune for the header."""
    return {
        "direction": report["direction"],
        "language": report["language"],
        "labels": {"report": report["labels"]["report"]},
        "workshop": {"title": report["process"]["title"], "commune": report["process"]["commune"]},
    }


def write_pdf(report: dict[str, Any]) -> bytes:
    labels, process = report["labels"], report["process"]
    pdf = Report(_frame(report))
    pdf.commune = commune_name(report)
    pdf.set_creation_date(_dated(report))
    pdf.add_page()
    pdf.heading(labels["report"], 18)
    pdf.heading(process["title"], 14)
    for label, value in status_line(report):
        pdf.para(f"{label}: {value}")
    if process["url"]:
        pdf.para(pdf.ltr(f"{process['url']}/consultation"), size=9, color=GREY)
    pdf.para(labels["public_version"], size=8, color=GREY)

    pdf.heading(labels["results"])
    pdf.grid(*support_rows(report), [0.7, 5, 1.3, 1.8, 1.3])
    for line in count_lines(report):
        pdf.para(line, bold=True)
    for line in heavy_lines(report):
        pdf.para(line, size=8, color=GREY)

    for rec in report["recommendations"]:
        pdf.heading(f"{rec['number']}. {rec['title']}", 12, room=50)
        pdf.para(rec["text"])
        if rec["revised"]:
            pdf.para(labels["revised"], size=8, color=GREY)
        if rec["comments"]:
            pdf.grid(*comment_rows(report, rec["comments"]), [0.8, 4.5, 2, 3.5])
        else:
            pdf.para(labels["no_comments"], size=9, color=GREY)

    if report["proposals"]:
        pdf.heading(labels["proposals"], room=50)
        for group in report["proposals"]:
            pdf.para(group["axis"], bold=True)
            pdf.grid(*comment_rows(report, group["comments"]), [0.8, 4.5, 2, 3.5])

    pdf.heading(labels["participation"], room=60)
    for _, header, rows in participation_tables(report):
        pdf.grid(header, rows, [3, 1])
    pdf.para(labels["folded"] % {"count": FOLD_BELOW}, size=8, color=GREY)
    return bytes(pdf.output())


def write_docx(report: dict[str, Any]) -> bytes:
    labels, process = report["labels"], report["process"]
    out = _Docx(report)
    name = commune_name(report)
    header = out.doc.sections[0].header.paragraphs[0]
    header.text = name
    out.orient(header, name)
    out.heading(labels["report"], 0)
    out.heading(process["title"], 1)
    for label, value in status_line(report):
        out.para(f"{label}: {value}")
    if process["url"]:
        out.para(f"{process['url']}/consultation")
    out.para(labels["public_version"])
    out.heading(labels["results"], 1)
    out.table(*support_rows(report))
    for line in count_lines(report):
        out.para(line, bold=True)
    for line in heavy_lines(report):
        out.para(line)
    for rec in report["recommendations"]:
        out.heading(f"{rec['number']}. {rec['title']}", 2)
        out.para(rec["text"])
        if rec["revised"]:
            out.para(labels["revised"])
        _docx_comments(out, labels, rec["comments"])
    if report["proposals"]:
        out.heading(labels["proposals"], 1)
        for group in report["proposals"]:
            out.heading(group["axis"], 2)
            _docx_comments(out, labels, group["comments"])
    out.heading(labels["participation"], 1)
    for _, header_row, rows in participation_tables(report):
        table = out.table(header_row, rows)
        if table is not None:
            _keep_together(table)
    out.para(labels["folded"] % {"count": FOLD_BELOW})
    out.doc.core_properties.created = out.doc.core_properties.modified = _dated(report).replace(tzinfo=None)
    buffer = io.BytesIO()
    out.doc.save(buffer)
    return _same_zip(buffer.getvalue(), _dated(report))


def _docx_comments(out: _Docx, labels: dict[str, str], comments: list[dict[str, Any]]) -> None:
    # What people typed stands in a paragraph of its own, which takes the text's own direction.
    if not comments:
        out.para(labels["no_comments"])
    for c in comments:
        out.para(f"{labels[c['kind']]} #{c['id']}", bold=True).paragraph_format.keep_with_next = True
        out.para(c["text"]).paragraph_format.keep_with_next = True
        out.para(answer_kind(c, labels), style="List Bullet").paragraph_format.keep_with_next = bool(c["response_text"])
        if c["response_text"]:
            out.para(c["response_text"])


def write_xlsx(report: dict[str, Any]) -> bytes:
    labels = report["labels"]
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()

    def sheet(title: str, header: list[Any], rows: list[list[Any]], widths: list[int]) -> None:
        ws = book.create_sheet(_sheet_title(title, taken))
        ws.sheet_view.rightToLeft = report["direction"] == "rtl"
        ws.append(header)
        for row in rows:
            ws.append(["" if v is None else v for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in ws.iter_rows():
            for cell in row:
                cell.alignment = wrap
                xlsx_cell(cell)  # text stays text: never a formula
        ws.freeze_panes = "A2"
        for column, width in zip(ws.columns, widths, strict=False):
            ws.column_dimensions[column[0].column_letter].width = width

    header, rows = support_rows(report)
    sheet(labels["results"], header, rows, [6, 50, 10, 14, 10])
    # One row per recommendation and comment, with the columns of the CSV (the open-data names).
    sheet(
        labels["comments"],
        list(CSV_COLUMNS),
        [[row.get(c) for c in CSV_COLUMNS] for row in csv_rows(report)],
        [14, 8, 20, 30, 8, 10, 60, 22, 10, 10, 8, 8, 10, 30, 50, 8, 8],
    )
    lines = [[line] for line in (*count_lines(report), *heavy_lines(report))]
    for title, _, rows_ in participation_tables(report):
        lines += [[], [title], *([label, n] for label, n in rows_)]
    sheet(labels["participation"], [labels["participation"], labels["total"]], lines, [50, 10])
    book.properties.created = book.properties.modified = _dated(report).replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return _same_zip(buffer.getvalue(), _dated(report))
