"""The consultation's report read back in its six formats: published comments with their answers, nothing waiting or
rejected, no name or hash, formulas inert, no bidi override; and its public door, cached like the public pages."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from xml.etree import ElementTree

import docx
import openpyxl
import pytest
from markdown_it import MarkdownIt

from consult.extensions import db
from consult.models import Comment, Process, User
from consult.models.base import utcnow
from consult.reports.consultation import build_consultation, render_consultation
from consult.services import unit_of_work
from consult.services.consultation import (
    consultation_step,
    draft,
    local_day,
    moderate_comment,
    open_consultation,
    post_comment,
    respond,
    support,
)
from consult.services.processes import attach_workshop, create_process, publish_workshop, update_process
from consult.services.publication import public_process
from consult.services.workshops import close_workshop
from tests.reports.conftest import Held
from tests.reports.test_injection import Html, csv_rows
from tests.reports.test_pdf import pdftotext, pypdf_text, words

PUBLISHED_AR = "يجب إفراغ الحاويات مرتين في الأسبوع قرب السوق"
PUBLISHED_FR = "Il faut aussi une émission en tamazight"
ANSWER_TAKEN = "أضفنا وتيرة الإفراغ إلى نص التوصية"
NEW_TEXT = "اقتناء حاويات جديدة وإفراغها مرتين في الأسبوع"
ANSWER_NOT = "La radio locale ne couvre pas toute la commune"
PROPOSAL = "تطبيق هاتفي للتبليغ عن النقط السوداء"
UNANSWERED = "Et les douars de la montagne ?"
PENDING = "تعليق ينتظر الإشراف"
REJECTED = "Commentaire rejeté insultant"
REJECT_REASON = "Propos injurieux"
DUPLICATE = "الحاويات قليلة جدا"
FORMULA = '=HYPERLINK("http://x","y")'
CMD = "+cmd|' /C calc'!A0"
AT = "@SUM(1)"
FORMULA_ANSWER = "=1+1 لا"
TRICK = "Trick\u202eevil 12"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Consulted:
    process: Process
    user: User
    comments: dict[str, Comment]


@pytest.fixture
def consulted(held: Held) -> Consulted:
    """The Ait Amira draft out for comment: supports (one address over the threshold), comments in every state."""
    user = held.facilitator
    with unit_of_work():
        process = create_process(user, title="برنامج الجماعة المنفتحة 2026-2028", kind="open_commune")
        close_workshop(held.workshop, user)
        attach_workshop(process, held.workshop, user)
        publish_workshop(held.workshop, user)
        update_process(process, user, title=process.title, kind=process.kind, published=True)
        step = consultation_step(process)
        open_consultation(step, user)
    rec1, rec2 = draft(process)
    with unit_of_work():
        for n in range(3):
            support(step, rec1, browser=f"phone-{n}", address=f"10.0.0.{n}")
        for n in range(7):  # a cybercafé: seven browsers behind one address
            support(step, rec1, browser=f"cafe-{n}", address="10.9.9.9")
        support(step, rec2, browser="phone-0", address="10.0.0.0")
    comments: dict[str, Comment] = {}

    def online(key, text, **kwargs):
        with unit_of_work():
            kwargs.setdefault("recommendation", rec1)
            comments[key] = post_comment(
                step, text=text, consent=True, browser=f"b-{key}", address="10.1.1.1", client_id=key, **kwargs
            )
        return comments[key]

    def paper(key, text, **kwargs):
        with unit_of_work():
            kwargs.setdefault("recommendation", rec1)
            comments[key] = post_comment(step, text=text, consent=None, user=user, source="paper", **kwargs)

    online("ar", PUBLISHED_AR, gender="female", category="citizen", age_band="18_29")
    online("fr", PUBLISHED_FR, recommendation=rec2, gender="female", category="civil_society")
    online("proposal", PROPOSAL, recommendation=None, axis=held.workshop.themes[0].name, gender="male")
    online("open", UNANSWERED, recommendation=rec2)
    online("dup", DUPLICATE)
    online("pending", PENDING)
    online("rejected", REJECTED, gender="male")
    paper("formula", FORMULA, gender="female", category="citizen")
    paper("cmd", CMD, recommendation=rec2)
    paper("at", AT)
    paper("trick", "x")
    with unit_of_work():
        for key in ("ar", "fr", "proposal", "open", "dup"):
            moderate_comment(comments[key], user, "approve")
        moderate_comment(comments["rejected"], user, "reject", reason=REJECT_REASON)
        moderate_comment(comments["dup"], user, "merge", into=comments["ar"])
        respond(comments["ar"], user, response="taken", text=ANSWER_TAKEN, new_text=NEW_TEXT)
        respond(comments["fr"], user, response="not_taken", text=ANSWER_NOT)
        respond(comments["proposal"], user, response="covered", covered_by=rec1)
        respond(comments["formula"], user, response="not_taken", text=FORMULA_ANSWER)
        respond(comments["cmd"], user, response="taken", text=AT)
        respond(comments["at"], user, response="covered", covered_by=rec2)
        respond(comments["trick"], user, response="not_taken", text=TRICK)
    # An older row, stored before input dropped bidi controls.
    comments["trick"].text = TRICK
    db.session.commit()
    return Consulted(process, user, comments)


SHOWN = (PUBLISHED_AR, PUBLISHED_FR, ANSWER_TAKEN, NEW_TEXT, ANSWER_NOT, PROPOSAL, UNANSWERED, DUPLICATE)
HIDDEN = (PENDING, REJECTED, REJECT_REASON)


def test_the_data_holds_published_comments_with_answers_and_only_counts_the_rest(consulted):
    report = build_consultation(consulted.process, "fr")
    rec1, rec2 = report["recommendations"]
    assert (rec1["supports"], rec1["supports_without_heavy"], rec2["supports"]) == (10, 3, 1)
    assert report["heavy"] == {"threshold": 5, "addresses": 1}
    assert rec1["text"] == NEW_TEXT and rec1["revised"] and not rec2["revised"]
    by_id = {c["id"]: c for r in report["recommendations"] for c in r["comments"]}
    ar = by_id[consulted.comments["ar"].id]
    assert (ar["response"], ar["response_text"], ar["covered_by"]) == ("taken", ANSWER_TAKEN, None)
    assert by_id[consulted.comments["dup"].id]["merged_into"] == consulted.comments["ar"].id
    assert by_id[consulted.comments["at"].id]["covered_by"] == 2
    [group] = report["proposals"]
    assert group["comments"][0]["text"] == PROPOSAL and group["comments"][0]["covered_by"] == 1
    assert report["counts"] == {
        "supports": 11,
        "supports_without_heavy": 4,
        "comments": 9,
        "proposals": 1,
        "waiting": 1,
        "rejected": 1,
        "unanswered": 2,  # the one waiting for moderation and the published one without an answer
    }
    # Folded as the consultation's figures are: fewer than three people count in "other".
    assert report["participation"]["by_gender"] == {"female": 3, "not_given": 6, "other": 1}
    assert report["participation"]["by_source"] == {"online": 6, "paper": 4}
    flat = json.dumps(report, ensure_ascii=False)
    for text in HIDDEN:
        assert text not in flat
    for secret in ("10.1.1.1", "b-ar", "browser", 'address"', consulted.comments["ar"].address):
        assert secret not in flat


def test_json(consulted):
    data = json.loads(render_consultation(consulted.process, "json", "ar"))
    assert data["format"] == "tashawur.consultation" and data["direction"] == "rtl"
    flat = "\n".join(strings(data))
    for text in (*SHOWN, FORMULA, CMD, AT):
        assert text in flat, text
    for text in HIDDEN:
        assert text not in flat, text


def strings(value) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_csv_shows_answers_and_quotes_formulas(consulted):
    header, *rows = csv_rows(render_consultation(consulted.process, "csv", "fr"))
    found = [dict(zip(header, row, strict=True)) for row in rows]
    texts = {row["text"] for row in found}
    answers = {row["response_text"] for row in found}
    assert {PUBLISHED_AR, PUBLISHED_FR, PROPOSAL, UNANSWERED} <= texts
    assert {"'" + FORMULA, "'" + CMD, "'" + AT} <= texts
    assert {ANSWER_TAKEN, ANSWER_NOT, "'" + FORMULA_ANSWER, "'" + AT} <= answers
    assert {row["answer"] for row in found if row["response"] == "covered"} == {
        "Déjà couvert par la recommandation 1",
        "Déjà couvert par la recommandation 2",
    }  # English until the French catalog gets this message
    assert [r["supports"] for r in found if r["row"] == "recommendation"] == ["10", "1"]
    flat = "\n".join(",".join(row) for row in rows)
    for text in HIDDEN:
        assert text not in flat
    for row in found:
        for value in row.values():
            assert not value.startswith(TRIGGERS), value
    semicolons = [cell for row in csv_rows(render_consultation(consulted.process, "csv", "fr"), delimiter=";")
                  for cell in row]  # fmt: skip
    assert not [cell for cell in semicolons if cell.startswith(TRIGGERS)]


def test_xlsx_keeps_text_cells_never_formulas(consulted):
    data = render_consultation(consulted.process, "xlsx", "ar")
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    values = {cell.value for cell in cells}
    for text in (*SHOWN, FORMULA, CMD, AT):
        assert text in values or any(text in str(v) for v in values), text
    for text in HIDDEN:
        assert not any(text in str(v) for v in values), text
    for cell in cells:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            if cell.value.startswith(TRIGGERS):
                assert cell.quotePrefix, cell.value
    assert book.worksheets[0].sheet_view.rightToLeft
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                tags = {e.tag.rsplit("}", 1)[-1] for e in ElementTree.fromstring(archive.read(name)).iter()}
                assert "f" not in tags, name


def test_docx(consulted):
    document = docx.Document(io.BytesIO(render_consultation(consulted.process, "docx", "ar")))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(texts)
    for text in (*SHOWN, FORMULA, CMD, AT):
        assert text in joined, text
    for text in HIDDEN:
        assert text not in joined, text
    # An Arabic comment's paragraph is right to left even in a French report.
    french = docx.Document(io.BytesIO(render_consultation(consulted.process, "docx", "fr")))
    paragraph = next(p for p in french.paragraphs if p.text == PUBLISHED_AR)
    assert paragraph._p.pPr.find(docx.oxml.ns.qn("w:bidi")) is not None


@pytest.mark.parametrize("extract", ["pdftotext", "pypdf"])
def test_pdf_in_arabic_reads_back_word_by_word(consulted, tmp_path, extract):
    data = render_consultation(consulted.process, "pdf", "ar")
    pages = pdftotext(data, tmp_path) if extract == "pdftotext" else pypdf_text(data)
    text = "".join(pages)
    for phrase in (PUBLISHED_AR, ANSWER_TAKEN, NEW_TEXT, PROPOSAL, "جماعة أيت عميرة", "برنامج الجماعة المنفتحة"):
        assert words(phrase) in text, phrase
    # A French comment in an Arabic report, and the start of an answer that wraps in its cell.
    assert words(PUBLISHED_FR) in text and words("La radio locale ne couvre") in text
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufefe]", text)  # no presentation forms: searchable as typed
    for hidden in HIDDEN:
        assert hidden not in text


def test_pdf_in_french(consulted, tmp_path):
    data = render_consultation(consulted.process, "pdf", "fr")
    text = "".join(pdftotext(data, tmp_path))
    for phrase in (PUBLISHED_FR, "La radio locale ne couvre", UNANSWERED, PUBLISHED_AR, "Aït Amira"):
        assert words(phrase) in text, phrase
    for hidden in HIDDEN:
        assert hidden not in text


def test_markdown_renders_as_plain_text(consulted):
    markdown = render_consultation(consulted.process, "md", "fr").decode()
    renderer = MarkdownIt("commonmark")
    renderer.validateLink = lambda url: True
    page = Html(renderer.render(markdown))
    assert not {tag for tag, _ in page.tags} & {"script", "img", "a", "iframe"}
    visible = re.sub(r"\s+", " ", "".join(page.text))
    for text in (*SHOWN, FORMULA, CMD, AT):
        assert text in visible, text
    for text in HIDDEN:
        assert text not in markdown


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "docx", "xlsx", "pdf"])
def test_a_bidi_override_does_not_survive(consulted, fmt, tmp_path):
    data = render_consultation(consulted.process, fmt, "fr")
    if fmt in ("docx", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    elif fmt == "pdf":
        text = "".join(pypdf_text(data))
    else:
        text = data.decode("utf-8-sig")
    assert "\u202e" not in text
    assert "Trickevil 12" in text  # in the order it was typed, not turned around


def test_the_public_door_serves_each_format_cacheable_and_without_a_cookie(consulted, client):
    process = consulted.process
    base = f"/p/{process.commune.slug}/{process.slug}/consultation/report"
    for fmt, mimetype in (
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
        ("md", "text/markdown; charset=utf-8"),
    ):
        answer = client.get(f"{base}.{fmt}?lang=fr")
        assert answer.status_code == 200, fmt
        assert answer.headers["Content-Type"] == mimetype
        assert answer.headers["Cache-Control"] == "public, max-age=600"
        assert "Set-Cookie" not in answer.headers
        assert f"consultation-fr.{fmt}" in answer.headers["Content-Disposition"]
        again = client.get(f"{base}.{fmt}?lang=fr", headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
    assert PUBLISHED_AR in client.get(f"{base}.json").get_data(as_text=True)
    assert client.get(f"{base}.exe").status_code == 404
    assert client.get(f"{base}.pdf?lang=xx").status_code == 404
    with unit_of_work():
        update_process(process, consulted.user, title=process.title, kind=process.kind, published=False)
    assert client.get(f"{base}.json").status_code == 404


def test_the_process_page_files_the_report_in_its_documents(consulted, client):
    data = public_process(consulted.process, "fr")
    [entry] = [d for d in data["documents"] if d["kind"] == "consultation_report"]
    assert entry["url"].endswith("/consultation/report.pdf?lang=fr")
    assert entry["date"] is None and entry["status"] == "open"  # in progress: dated once it closes
    page = client.get(f"/p/{consulted.process.commune.slug}/{consulted.process.slug}?lang=fr").get_data(as_text=True)
    assert "/consultation/report.pdf?lang=fr" in page
    step = consultation_step(consulted.process)
    step.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    [entry] = [d for d in public_process(consulted.process, "fr")["documents"] if d["kind"] == "consultation_report"]
    assert (entry["date"], entry["status"]) == (local_day(step.closes_at, last=True).isoformat(), "closed")
