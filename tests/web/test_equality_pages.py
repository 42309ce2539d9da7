"""The equality report's page and PDF, as a citizen or the IECG reads them: no login, no script, small groups hidden."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf

from consult.models import Recommendation
from consult.services.processes import public_url, record_adoption
from tests.reports.conftest import ait_amira, run
from tests.reports.test_qr import qr_codes
from tests.services.test_equality import published, small_room


def held_process(app):
    held = ait_amira()
    process = published(held.workshop, held.facilitator)
    first = Recommendation.query.filter_by(workshop_id=held.workshop.id).order_by(Recommendation.id).first()
    run(record_adoption, first, held.facilitator, session_name="Session ordinaire de mai",
        session_date=date(2024, 5, 6), decision="adopted")  # fmt: skip
    return held, process


def address(process) -> str:
    return public_url(process) + "/equality"


def cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each row of the table captioned table_id (tags dropped)."""
    table = html.split(f'aria-labelledby="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows]  # fmt: skip


def test_the_page_shows_who_took_part_and_whose_contributions_survived(app, client):
    held, process = held_process(app)
    response = client.get(address(process) + "?lang=fr")
    assert response.status_code == 200 and "<script" not in response.text
    assert response.headers["Cache-Control"].startswith("public") and response.headers["ETag"]
    assert "Set-Cookie" not in response.headers
    html = response.text
    gender = {row[0]: row[1:5] for row in cells(html, "survival-gender")[1:]}
    # 9 contributions by women, 3 retained (33 %), 1 in the adopted recommendation (11 %).
    assert (
        gender["Femme"][:2] == ["5", "9"]
        and gender["Femme"][2].startswith("3 (33")
        and gender["Femme"][3].startswith("1 (11")
    )
    assert gender["Homme"][:3] == ["3", "5", gender["Homme"][2]] and gender["Homme"][2].startswith("2 (40")
    by_category = {row[0]: row[1:] for row in cells(html, "by-category")[1:]}
    # The council member and the private sector's one woman: 2 people in "other", whose total is hidden too.
    assert by_category["Autre"][:4] == ["…", "…", "0", "…"]
    assert 'class="seg seg-female"' in html and 'class="seg seg-adopted"' in html
    assert (
        client.get(address(process) + "?lang=fr", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_two_women_are_not_shown_on_the_page(app, client, facilitator):
    process = published(small_room(facilitator, women=2), facilitator)
    html = client.get(address(process) + "?lang=fr").text
    total = cells(html, "by-category")[-1]
    assert total[:5] == ["Total", "…", "…", "0", "5"]
    women = next(r for r in cells(html, "survival-gender") if r[0] == "Femme")
    assert women[1:5] == ["…"] * 4


def test_an_unpublished_process_has_no_equality_report(app, client, facilitator):
    process = published(small_room(facilitator, women=3), facilitator)
    from consult.services.processes import update_process

    run(update_process, process, facilitator, title=process.title, kind=process.kind, published=False)
    assert client.get(address(process)).status_code == 404
    assert client.get(address(process) + ".pdf").status_code == 404
    assert client.get("/p/nowhere/nothing/equality").status_code == 404


def test_the_pdf_in_arabic_and_french(app, client, tmp_path):
    held, process = held_process(app)
    for lang, words in (("ar", ("امرأة", "رجل", "غير مصرح به")), ("fr", ("Femme", "Homme", "Non renseigné"))):
        response = client.get(address(process) + f".pdf?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
        for word in (*words, process.title):
            assert word in text, (lang, word)
        # The share of women's contributions retained, written as the reader writes a percentage.
        assert re.search(r"3 \(33\s?[%٪]", text), lang
        assert qr_codes(response.data, tmp_path) == [f"http://localhost/p/{process.commune.slug}/{process.slug}"]
