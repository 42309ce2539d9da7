"""The public pages of a process: no login, four languages, open data, a feed, cacheable, 404 for what is not out."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from consult.services.processes import post_follow_up, store_document, withdraw_workshop
from tests.public_process import (
    FIRST_NOTE,
    HIDDEN_TEXT,
    NICKNAMES,
    PENDING_TEXT,
    PROCESS_TITLE,
    REJECTED_TEXT,
    SECOND_NOTE,
    published_ait_amira,
    run,
)

ATOM = "{http://www.w3.org/2005/Atom}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def published(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["PUBLIC_FRESH_SECONDS"] = 0  # a withdrawal shows at once, not a second later
    return published_ait_amira()


@pytest.fixture
def page(published):
    return f"/p/{published.process.commune.slug}/{published.process.slug}"


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("zgh", "ltr"), ("en", "ltr")])
def test_the_process_page_in_each_language(client, page, lang, direction):
    response = client.get(f"{page}?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert 'property="og:title"' in html and 'property="og:url" content="http://localhost/p/' in html
    assert "<script" not in html
    assert "تعميم الحاويات على جميع الدواوير" in html  # recommendation 1
    assert 'class="meter-value">100%<' in html


def test_nothing_held_hidden_or_named_reaches_a_page(client, page, published):
    rec = published.recommendations[0]
    code = published.held.workshop.code
    # Each page answers and shows what it is for, so that an error page cannot pass for one that hides well.
    for path, shown in (
        (page, rec.title),
        (f"{page}.json", rec.title),
        (f"{page}/feed.atom", rec.title),
        (f"{page}/recommendations/{rec.id}", rec.title),
        (f"{page}/workshops/{code}", "الطريق الإقليمية مقطوعة"),
    ):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and shown in body, path
        for secret in (PENDING_TEXT, REJECTED_TEXT, HIDDEN_TEXT, *NICKNAMES):
            assert secret not in body, (path, secret)


def test_open_data_says_what_was_decided_and_done(client, page, published):
    data = client.get(f"{page}.json").get_json()
    assert data["process"]["title"] == PROCESS_TITLE and [s["kind"] for s in data["steps"]][:2] == [
        "workshops",
        "consultation",
    ]
    assert [w["code"] for w in data["workshops"]] == [published.held.workshop.code]
    first, second = data["recommendations"][:2]
    assert (first["number"], first["title"]) == (1, published.recommendations[0].title)
    assert first["decision"]["decision"] == "adopted" and first["status"] == "done"
    # The council's session first, then the two follow-up notes, each dated.
    notes = [u["note"] for u in first["updates"]]
    assert notes[0].startswith("الدورة العادية لشهر ماي") and notes[1:] == [FIRST_NOTE, SECOND_NOTE]
    assert all(u["date"] for u in first["updates"])
    assert second["number"] == 2 and second["decision"]["decision"] == "not_adopted"
    beyond = next(c for c in data["contributions"] if c["text"] == "الطريق الإقليمية مقطوعة")
    assert beyond["kind"] == "problem" and beyond["decision"] == "not_retained" and beyond["reason"]
    assert beyond["axis"] and beyond["recommendation"] is None


def test_the_atom_feed_parses_with_its_entries(client, page):
    response = client.get(f"{page}/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text.endswith(page) and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 5  # the publication, two adoptions, two follow-up updates
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text and entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/p/")


def test_cacheable_by_a_proxy_with_an_etag_and_no_cookie(client, page):
    for path in (page, f"{page}.json", f"{page}/feed.atom"):
        first = client.get(f"{path}?lang=fr", headers={"Accept-Encoding": "br"})
        assert first.status_code == 200
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        assert "Set-Cookie" not in first.headers
        assert "cookie" not in first.headers.get("Vary", "").lower()
        again = client.get(f"{path}?lang=fr", headers={"If-None-Match": first.headers["ETag"], "Accept-Encoding": "br"})
        assert again.status_code == 304 and again.data == b""
    # Without ?lang= the page follows Accept-Language, and says so to caches.
    plain = client.get(page, headers={"Accept-Language": "fr"})
    assert 'lang="fr"' in plain.get_data(as_text=True) and "Accept-Language" in plain.headers["Vary"]


def test_what_is_not_out_is_not_found(client, page, published):
    assert client.get("/p/no-such-commune").status_code == 404
    assert client.get(f"{page}-nope").status_code == 404
    assert client.get(f"{page}/recommendations/999999").status_code == 404
    assert client.get(f"{page}/documents/999999").status_code == 404
    run(withdraw_workshop, published.held.workshop, published.held.facilitator)
    code = published.held.workshop.code
    assert client.get(f"{page}/workshops/{code}").status_code == 404
    assert client.get(f"{page}/workshops/{code}/report.csv").status_code == 404
    assert client.get(f"{page}/recommendations/{published.recommendations[0].id}").status_code == 404
    missing = client.get(f"{page}-nope?lang=fr")
    assert missing.status_code == 404 and 'lang="fr"' in missing.get_data(as_text=True)


def test_the_public_report_and_an_uploaded_document(client, page, published):
    code = published.held.workshop.code
    report = client.get(f"{page}/workshops/{code}/report.csv?lang=fr")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert "Amina" not in report.get_data(as_text=True)
    doc = run(
        store_document,
        published.process,
        published.held.facilitator,
        title="Avis de l'IECG",
        kind="iecg_opinion",
        dated="2024-05-01",
        filename="avis.pdf",
        data=PDF,
    )
    response = client.get(f"{page}/documents/{doc.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "Avis de l&#39;IECG" in client.get(page).get_data(as_text=True)


def test_a_follow_up_posted_changes_the_page_and_its_etag(client, page, published):
    first = client.get(f"{page}?lang=fr")
    run(
        post_follow_up,
        published.recommendations[0],
        published.held.facilitator,
        status="in_progress",
        progress=70,
        note="Note de suivi 9931",
    )
    again = client.get(f"{page}?lang=fr", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert "Note de suivi 9931" in client.get(f"{page}/recommendations/{published.recommendations[0].id}").text
