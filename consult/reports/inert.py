"""What people typed, made inert for each export format: a spreadsheet must not run it, Markdown must not render it.

One function per format; the writers pass every value through it (labels too: they are plain text either way).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from consult.services.text import BIDI_CONTROLS

if TYPE_CHECKING:  # openpyxl is heavy; the CSV and Markdown writers do not need it
    from openpyxl.cell.cell import Cell

# What spreadsheets read as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A quote before each formula start that begins a field or follows a character where a spreadsheet may start a cell:
# French-locale Excel splits on ";", and then quotes and line breaks no longer keep a field whole.
_CSV_CELL_START = re.compile(r"(?:^|(?<=[,;\t\r\n\"]))(?=[=+\-@\t\r])")
# HTML and the Markdown that makes links, images, code and emphasis; line breaks would start new blocks.
_MARKDOWN = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\\": "\\\\",
        "[": "\\[",
        "]": "\\]",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "\r": " ",
        "\n": " ",
    }
)


def csv_value(value: Any) -> Any:
    """A CSV field: text gets ' before a formula start (shown as text by spreadsheets); numbers stay numbers."""
    if not isinstance(value, str):
        return "" if value is None else value
    return _CSV_CELL_START.sub("'", value)


def xlsx_cell(cell: Cell) -> None:
    """Keep text exactly as typed, as a text cell: openpyxl would make "=…" a formula and "#N/A" an error."""
    if not isinstance(cell.value, str):
        return
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_START):
        # Excel's quote prefix: the cell stays text even after someone edits it.
        cell.quotePrefix = True


def without_bidi_controls(value: str) -> str:
    """Text without embedding, override or isolate controls: input drops them, an older row may still hold one."""
    return BIDI_CONTROLS.sub("", value)


def markdown_text(value: Any) -> str:
    """Text that any Markdown renderer shows literally: no HTML, link, image, code or emphasis, on one line."""
    return "" if value is None else str(value).translate(_MARKDOWN)
