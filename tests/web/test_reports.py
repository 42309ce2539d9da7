"""The outcome model, its plain writers (JSON, CSV, Markdown), the export command and the staff archive."""

import csv
import io
import json
import re
from datetime import date, datetime

import docx
import openpyxl
import pypdf
import pytest
from docx.oxml.ns import qn

from consult.extensions import db
from consult.models import User
from consult.reports.export import render
from consult.reports.outcome import build_outcome
from consult.services.access import Actor
from consult.services.items import post_item, scribe_post
from consult.services.moderation import hide_item, merge_items, set_decision
from consult.services.phases import set_phase
from consult.services.recommendations import save_recommendation
from consult.services.votes import cast_vote
from tests.conftest import PASSWORD, make_facilitator, make_participant, run


@pytest.fixture
def held(workshop, facilitator):
    """A workshop that happened: participants of several kinds, items, a merge, a hidden item, votes, decisions."""
    me = Actor(user=facilitator)
    people = [
        make_participant(workshop, 0, nickname="Amina", category="civil_society", gender="female", age_band="30_44")[0],
        make_participant(workshop, 0, nickname="Hassan", category="civil_society", gender="male", age_band="30_44")[0],
        make_participant(workshop, 1, nickname="Fatima", category="civil_society", gender="female", age_band="18_29")[
            0
        ],
        make_participant(workshop, 1, nickname="Brahim", category="council_member", gender="male", age_band="45_59")[0],
        make_participant(workshop, 2, nickname="Zineb", category="private_sector", gender="female")[0],
    ]
    amina, hassan, fatima, brahim, zineb = people

    def post(who, text, kind="problem", parent=None):
        item, _ = run(
            post_item, workshop, who, group_id=who.group_id, kind=kind, text=text, client_id=text, parent_id=parent
        )
        return item

    waste = post(amina, "غياب حاويات النفايات في الدواوير")
    bins = post(hassan, "وضع حاويات وتحديد مواعيد الجمع", "solution", waste.id)
    dup = post(hassan, "الأزبال في كل مكان")
    rude = post(hassan, "كلام غير لائق")
    portal = post(fatima, "ضعف التواصل بين الجماعة والساكنة")
    beyond = post(brahim, "الطريق الإقليمية مقطوعة")
    post(zineb, "غياب الربط بالأنترنت")
    run(scribe_post, workshop, me, group_id=workshop.groups[2].id, kind="problem", text="بطاقة: لا يوجد شباك رقمي",
        client_id="s1", speaker_category="citizen", speaker_gender="female")  # fmt: skip
    run(set_phase, workshop, me, "prioritization")
    for n, who in enumerate(people):
        run(cast_vote, workshop, who, item_id=waste.id, client_id=f"v{n}")
    run(cast_vote, workshop, fatima, item_id=portal.id, client_id="p1")
    run(merge_items, workshop, me, waste.id, [dup.id])
    run(hide_item, workshop, me, rude.id, "إساءة")
    run(set_decision, workshop, me, beyond.id, "not_retained", "من اختصاص الإقليم")
    env, com = workshop.groups[0].theme, workshop.groups[1].theme
    run(save_recommendation, workshop, me, {"theme_id": env.id, "title": "تعميم الحاويات", "priority": 1,
        "responsible": "الجماعة", "item_ids": [waste.id, bins.id]})  # fmt: skip
    run(
        save_recommendation,
        workshop,
        me,
        {"theme_id": com.id, "title": "بوابة إلكترونية للجماعة", "item_ids": [portal.id]},
    )
    return workshop, {"waste": waste, "bins": bins, "dup": dup, "rude": rude, "portal": portal, "beyond": beyond}


def test_the_outcome_has_every_item_with_its_decision(held):
    workshop, items = held
    outcome = build_outcome(workshop, lang="ar", public=False)
    env = outcome["axes"][0]
    [waste] = [p for p in env["problems"] if p["id"] == items["waste"].id]
    assert waste["votes"] == 5 and waste["decision"] == "retained" and waste["recommendations"] == [1]
    assert waste["solutions"][0]["text"] == "وضع حاويات وتحديد مواعيد الجمع"
    dup = next(p for p in env["problems"] if p["id"] == items["dup"].id)
    assert dup["decision"] == "merged" and dup["merged_into"] == items["waste"].id
    beyond = next(p for a in outcome["axes"] for p in a["problems"] if p["id"] == items["beyond"].id)
    assert beyond["decision"] == "not_retained" and beyond["reason"] == "من اختصاص الإقليم"
    assert [r["title"] for r in outcome["recommendations"]] == ["تعميم الحاويات", "بوابة إلكترونية للجماعة"]
    assert outcome["attendance"]["participants"] == 5 and outcome["attendance"]["scribe_items"] == 1
    assert outcome["attendance"]["scribe_by_category_gender"] == {
        "citizen": {"female": 1, "male": 0, "not_given": 0, "total": 1}
    }
    assert waste["author"] == "Amina"
    assert any(p["id"] == items["rude"].id for p in env["problems"])  # the internal version shows hidden items


def test_the_public_version_names_nobody_folds_small_groups_and_only_counts_hidden_items(held):
    workshop, items = held
    outcome = build_outcome(workshop, lang="ar", public=True)
    text = json.dumps(outcome, ensure_ascii=False)
    for name in ("Amina", "Hassan", "Fatima", "Brahim", "Zineb"):
        assert name not in text
    table = outcome["attendance"]["by_category_gender"]
    assert set(table) == {"civil_society", "other"}  # council member (1) and private sector (1) folded
    assert table["civil_society"]["total"] == 3 and table["other"]["total"] == 2
    assert all(v >= 3 for k, v in outcome["attendance"]["by_age"].items() if k not in ("other", "not_given"))
    env = outcome["axes"][0]
    assert env["hidden_items"] == 1 and "كلام غير لائق" not in text


def test_labels_follow_the_report_language(held):
    workshop, _ = held
    fr = build_outcome(workshop, lang="fr")["labels"]
    both = build_outcome(workshop, lang="ar+fr")["labels"]
    assert fr["recommendations"] != build_outcome(workshop, lang="ar")["labels"]["recommendations"]
    assert both["recommendations"].endswith(" / " + fr["recommendations"])


def test_json_csv_and_markdown_read_back_equal_to_the_database(held, runner, tmp_path):
    workshop, items = held
    files = {}
    for fmt in ("json", "csv", "md"):
        path = tmp_path / f"r.{fmt}"
        result = runner.invoke(args=["export", workshop.code, "--format", fmt, "--public", "-o", str(path)])
        assert result.exit_code == 0, result.output
        files[fmt] = path.read_bytes()
    data = json.loads(files["json"])
    assert data["format"] == "tashawur.outcome" and data["public"] is True
    assert data["workshop"]["code"] == workshop.code
    assert files["csv"].startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Arabic
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    shown = {i.id for name, i in items.items() if name != "rude"}
    assert {int(r["id"]) for r in rows} >= shown and str(items["rude"].id) not in {r["id"] for r in rows}
    waste = next(r for r in rows if r["id"] == str(items["waste"].id))
    assert waste["votes"] == "5" and waste["decision"] == "retained" and "author" not in waste
    md = files["md"].decode()
    assert "تعميم الحاويات" in md and "غياب حاويات النفايات في الدواوير" in md and "Amina" not in md


def test_the_export_command_refuses_an_unknown_code_or_format(app, runner, tmp_path):
    assert runner.invoke(args=["export", "NOPE99", "--format", "json", "-o", str(tmp_path / "x")]).exit_code != 0
    assert runner.invoke(args=["export", "NOPE99", "--format", "exe", "-o", str(tmp_path / "x")]).exit_code != 0


@pytest.fixture
def staff(workshop):
    user = User(commune_id=workshop.commune_id, email="staff@commune.ma", name="Staff", role="staff")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def test_staff_read_and_download_but_change_nothing(client, auth, staff, held):
    workshop, _ = held
    response = auth.login(staff)
    assert response.headers["Location"].endswith("/reports/")
    page = client.get("/reports/").get_data(as_text=True)
    assert workshop.title in page and f"/reports/{workshop.code}/download?format=pdf" in page
    stats = client.get(f"/reports/{workshop.code}").get_data(as_text=True)
    assert "تعميم الحاويات" in stats and "seg-female" in stats
    download = client.get(f"/reports/{workshop.code}/download?format=json&lang=fr&public=1")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert 'attachment; filename="tashawur-' in download.headers["Content-Disposition"]
    assert json.loads(download.data)["language"] == "fr"
    # Everything that changes a workshop is closed to staff.
    assert client.get(f"/facilitate/{workshop.code}").status_code == 404
    assert client.post(f"/facilitate/{workshop.code}/close").status_code in (400, 404)
    assert client.get(f"/w/{workshop.code}/board").status_code == 404


def test_text_downloads_say_their_charset_once(client, auth, held):
    workshop, _ = held
    auth.login(db.session.get(User, workshop.created_by_id))
    for fmt, mimetype in (("csv", "text/csv"), ("md", "text/markdown")):
        response = client.get(f"/reports/{workshop.code}/download?format={fmt}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == f"{mimetype}; charset=utf-8"


def test_the_statistics_count_a_merged_duplicate_in_its_problem_and_say_why_groups_are_folded(client, auth, held):
    workshop, items = held
    auth.login(db.session.get(User, workshop.created_by_id))
    page = client.get(f"/reports/{workshop.code}").get_data(as_text=True)
    votes = page[page.index("seg-votes") - 600 :]
    assert "غياب حاويات النفايات في الدواوير" in votes and items["dup"].text not in votes
    folded = build_outcome(workshop, lang="ar")["labels"]["folded"] % {"count": 3}
    assert folded in page


def test_the_archive_searches_by_title_axis_date_and_status(client, auth, staff, held):
    workshop, _ = held
    auth.login(staff)
    link = f'href="/reports/{workshop.code}"'
    assert link in client.get("/reports/?q=" + workshop.groups[1].theme.name).get_data(as_text=True)
    assert link not in client.get("/reports/?q=zzz").get_data(as_text=True)
    assert link not in client.get("/reports/?status=closed").get_data(as_text=True)
    assert link in client.get("/reports/?status=open").get_data(as_text=True)
    bad = client.get("/reports/?date=demain")
    assert bad.status_code == 200 and "field-error" in bad.get_data(as_text=True)


def test_another_commune_and_bad_parameters_get_clean_refusals(client, auth, held):
    workshop, _ = held
    auth.login(make_facilitator())
    assert client.get(f"/reports/{workshop.code}").status_code == 404
    assert client.get(f"/reports/{workshop.code}/download?format=json").status_code == 404
    assert f'href="/reports/{workshop.code}"' not in client.get("/reports/").get_data(as_text=True)
    auth.login(db.session.get(User, workshop.created_by_id))
    for query in ("format=exe", "lang=de", "format=pdf&lang=ar%2Bfr%2Bde"):
        response = client.get(f"/reports/{workshop.code}/download?{query}")
        assert response.status_code == 400 and 'dir="rtl"' in response.get_data(as_text=True)


def test_the_docx_is_right_to_left_and_complete(held):
    workshop, items = held
    doc = docx.Document(io.BytesIO(render(workshop, "docx", lang="ar", public=True)))
    texts = [p.text for p in doc.paragraphs]
    body = "\n".join(texts)
    assert "غياب حاويات النفايات في الدواوير" in body and "من اختصاص الإقليم" in body and "Amina" not in body
    arabic = next(p for p in doc.paragraphs if "غياب حاويات" in p.text)
    assert arabic._p.pPr.find(qn("w:bidi")) is not None
    tables = doc.tables
    assert "1. تعميم الحاويات" in texts and "2. بوابة إلكترونية للجماعة" in texts  # each recommendation's title
    assert all(t._tbl.tblPr.find(qn("w:bidiVisual")) is not None for t in tables)
    french = docx.Document(io.BytesIO(render(workshop, "docx", lang="fr")))
    # French labels read left to right; an Arabic item keeps its own direction (tests/reports/test_office.py).
    labels = [p for p in french.paragraphs if not re.search("[\u0600-\u06ff]", p.text)]
    assert labels and all(p._p.pPr is None or p._p.pPr.find(qn("w:bidi")) is None for p in labels)


def test_the_xlsx_has_a_sheet_per_axis_and_rows_equal_to_the_items(held):
    workshop, items = held
    book = openpyxl.load_workbook(io.BytesIO(render(workshop, "xlsx", lang="ar", public=True)))
    axes = [t.name for t in workshop.themes]
    assert book.sheetnames[: len(axes)] == axes and len(book.sheetnames) == len(axes) + 2
    outcome = build_outcome(workshop, lang="ar", public=True)
    for axis in outcome["axes"]:
        sheet = book[axis["name"]]
        assert sheet.sheet_view.rightToLeft is True
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        expected = [p["id"] for p in axis["problems"] for p in [p, *p["solutions"]]]
        assert ids == expected + [s["id"] for s in axis["solutions_without_problem"]]
    assert items["rude"].id not in [r[0] for s in book.worksheets for r in s.iter_rows(min_row=2, values_only=True)]
    recs = book.worksheets[len(axes)]
    assert [r[2] for r in recs.iter_rows(min_row=2, values_only=True)] == ["تعميم الحاويات", "بوابة إلكترونية للجماعة"]
    assert openpyxl.load_workbook(io.BytesIO(render(workshop, "xlsx", lang="fr"))).worksheets[
        0
    ].sheet_view.rightToLeft in (None, False)


def test_tamazight_and_english_reports_read_left_to_right_with_their_labels_and_dates(held):
    workshop, _ = held
    workshop.date = date(2024, 5, 20)
    workshop.opened_at = datetime(2024, 5, 20, 8, 5)  # stored in UTC: 09:05 in Morocco
    db.session.commit()
    arabic = build_outcome(workshop, lang="ar")
    assert arabic["direction"] == "rtl" and arabic["workshop"]["when"] == {
        "date": "20 ماي 2024",
        "start": "09:05",
        "end": "",
    }
    assert build_outcome(workshop, lang="ar+fr")["workshop"]["when"]["date"] == "20 ماي 2024 / 20 mai 2024"
    zgh = build_outcome(workshop, lang="zgh")
    label = zgh["labels"]["recommendations"]
    assert zgh["direction"] == "ltr" and re.fullmatch("[\u2d30-\u2d7f ]+", label)
    assert zgh["workshop"]["when"]["date"] == "20 ⵎⴰⵢⵢⵓ 2024"
    data = render(workshop, "pdf", lang="zgh")
    # pypdf for the Tifinagh: pdftotext (poppler 22) reverses a line of Tifinagh alone on a page that also holds Arabic.
    tifinagh = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert f" {label} " in f" {tifinagh} " and "ⴰⵙⴰⴽⵓⴷ: 20 ⵎⴰⵢⵢⵓ 2024" in tifinagh
    document = docx.Document(io.BytesIO(render(workshop, "docx", lang="zgh")))
    assert label in [p.text for p in document.paragraphs]
    labels = [p for p in document.paragraphs if not re.search("[\u0600-\u06ff]", p.text)]
    assert all(p._p.pPr is None or p._p.pPr.find(qn("w:bidi")) is None for p in labels)
    english = build_outcome(workshop, lang="en")
    assert (
        english["labels"]["recommendations"] == "Recommendations"
        and english["workshop"]["when"]["date"] == "May 20, 2024"
    )
    book = openpyxl.load_workbook(io.BytesIO(render(workshop, "xlsx", lang="en")))
    assert book.worksheets[0].sheet_view.rightToLeft in (None, False)
