"""The DOCX report: each paragraph of what people typed in its own direction, the law's number in order, print layout."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn

from consult.reports.export import render
from consult.reports.outcome import build_outcome
from consult.reports.text import attendance_rows
from tests.reports.conftest import ITEMS, RECOMMENDATIONS

TEXTS = {key: text for key, _, _, _, text in ITEMS}


def document(held, lang: str):
    return docx.Document(io.BytesIO(render(held.workshop, "docx", lang=lang, public=True)))


def right_to_left(paragraph) -> bool:
    props = paragraph._p.pPr
    return props is not None and props.find(qn("w:bidi")) is not None


def paragraph_of(doc, text: str):
    return next(p for p in doc.paragraphs if p.text.replace("\u2066", "").replace("\u2069", "") == text)


def test_a_mixed_arabic_item_is_right_to_left_in_a_french_report(held):
    doc = document(held, "fr")
    mixed = paragraph_of(doc, TEXTS["sorting"])
    assert right_to_left(mixed)
    assert all(run._r.rPr.find(qn("w:rtl")) is not None for run in mixed.runs)
    # Right to left starts on the right by itself: no alignment that LibreOffice reads as "left".
    assert mixed.alignment is None
    assert not right_to_left(paragraph_of(doc, TEXTS["radio"]))  # French stays left to right
    labels = [p for p in doc.paragraphs if p.text.startswith("Problème #")]
    assert labels and not any(right_to_left(p) for p in labels)


def test_a_french_item_is_left_to_right_in_an_arabic_report(held):
    doc = document(held, "ar")
    assert not right_to_left(paragraph_of(doc, TEXTS["radio"]))
    assert right_to_left(paragraph_of(doc, TEXTS["waste"]))


def test_the_law_and_the_budget_keep_their_digits_in_order(held):
    doc = document(held, "ar")
    law = next(p for p in doc.paragraphs if "09-08" in p.text)
    assert "\u206609-08\u2069" in law.text  # a left-to-right island: never 08-09 among Arabic words
    budget = [c.text for t in doc.tables for row in t.rows for c in row.cells if "درهم" in c.text]
    assert budget == ["\u2066250 000\u2069 درهم"]


def test_recommendations_and_signatures_are_laid_out_for_a_portrait_page(held):
    doc = document(held, "fr")
    first = RECOMMENDATIONS[0]
    title = next(p for p in doc.paragraphs if p.text.startswith("1. "))
    assert title.text.replace("\u2066", "").replace("\u2069", "") == f"1. {first['title']}"
    assert title.paragraph_format.keep_with_next
    # One recommendation is a table of two columns, field and value, never ten columns side by side.
    assert all(len(t.columns) in (2, 3, 5) for t in doc.tables)
    signatures = doc.tables[-1]
    assert [c.text for c in signatures.rows[0].cells] == ["L’animateur", "Les rapporteurs", "Pour la commune"]
    for row in signatures.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    for row in signatures.rows[:-1]:
        assert all(p.paragraph_format.keep_with_next for cell in row.cells for p in cell.paragraphs)


def test_a_french_report_names_the_built_in_axes_in_french(held):
    french = build_outcome(held.workshop, lang="fr")
    assert [a["name"] for a in french["axes"]] == ["Environnement", "Communication", "Digitalisation"]
    assert build_outcome(held.workshop, lang="ar")["axes"][0]["name"] == "البيئة"
    heading = next(p for p in document(held, "fr").paragraphs if p.text.endswith("Environnement"))
    assert not right_to_left(heading)


def test_the_attendance_table_moves_to_a_page_as_one(held):
    doc = document(held, "fr")
    header, _rows = attendance_rows(build_outcome(held.workshop, lang="fr"))
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == header)
    assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert all(p.paragraph_format.keep_with_next for row in table.rows[:-1] for c in row.cells for p in c.paragraphs)
