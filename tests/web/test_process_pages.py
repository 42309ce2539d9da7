"""The commune's process pages through plain forms: creating a process, its steps, workshops and their publication,
the council's decision and follow-up with uploads; staff read without forms, another commune gets 404."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Document, FollowUpUpdate, Process, Recommendation, Workshop
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.processes import attach_workshop, create_process, publish_workshop
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import PASSWORD, make_facilitator, make_workshop, running_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def new_process(user, kind="open_commune") -> Process:
    with unit_of_work():
        return create_process(user, title="Programme Ait Amira", kind=kind)


def published_recommendation(user) -> tuple[Process, Workshop, Recommendation]:
    process = new_process(user)
    workshop = make_workshop(user)
    with unit_of_work():
        save_recommendation(workshop, Actor(user=user), {"theme_id": workshop.themes[0].id, "title": "بوابة إلكترونية"})
        close_workshop(workshop, user)
        attach_workshop(process, workshop, user)
        publish_workshop(workshop, user)
    return process, workshop, db.session.scalar(select(Recommendation).where(Recommendation.workshop_id == workshop.id))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_facilitator_creates_a_pac_and_finds_its_five_phases(client, auth, facilitator):
    auth.login(facilitator)
    assert "/processes" in text(client.get("/facilitate/"))
    assert client.get("/processes?lang=en").status_code == 200
    refused = client.post("/processes/new?lang=en", data={"title": " ", "kind": "pac"})
    assert refused.status_code == 200 and "This field is required." in text(refused)
    assert db.session.scalar(select(func.count(Process.id))) == 0
    created = client.post("/processes/new", data={"title": "Programme d'action communale", "kind": "pac"})
    process = db.session.scalar(select(Process))
    assert created.location.endswith(f"/processes/{process.id}")
    page = text(client.get(created.location + "?lang=en"))
    assert page.count('class="step-row"') == 5
    assert f"/p/{process.commune.slug}/{process.slug}" in page
    assert "Programme d&#39;action communale" in text(client.get("/processes"))


def test_details_are_saved_and_a_bad_address_changes_nothing(client, auth, facilitator):
    process = new_process(facilitator)
    auth.login(facilitator)
    form = {
        "title": "Commune ouverte 2024-2026",
        "kind": "open_commune",
        "description": "",
        "slug": "Mauvaise adresse!",
    }
    bad = client.post(f"/processes/{process.id}?lang=en", data=form)
    assert bad.status_code == 400 and "Use only Latin letters, digits and dashes." in text(bad)
    db.session.expire_all()
    assert (process.title, process.published_at) == ("Programme Ait Amira", None)
    ok = client.post(f"/processes/{process.id}", data={**form, "slug": "commune-ouverte", "published": "y"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert (process.title, process.slug) == ("Commune ouverte 2024-2026", "commune-ouverte")
    assert process.published_at is not None


def step_form(process) -> dict[str, str]:
    data = {}
    for i, step in enumerate(process.steps):
        data.update(
            {
                f"steps-{i}-kind": step.kind,
                f"steps-{i}-title": step.title or "",
                f"steps-{i}-starts_on": step.starts_on.isoformat() if step.starts_on else "",
                f"steps-{i}-ends_on": step.ends_on.isoformat() if step.ends_on else "",
                f"steps-{i}-status": step.status,
            }
        )
    return data


def test_steps_are_added_removed_moved_and_dated_with_plain_buttons(client, auth, facilitator):
    process = new_process(facilitator)
    auth.login(facilitator)
    url = f"/processes/{process.id}/steps?lang=en"
    data = step_form(process) | {"steps-0-starts_on": "2024-04-15", "steps-0-ends_on": "2024-04-15"}
    assert client.post(url, data={**data, "action": "add"}).status_code == 302
    db.session.expire_all()
    assert [s.kind for s in process.steps][-1] == "other" and len(process.steps) == 6
    assert client.post(url, data={**step_form(process), "action": "remove-5"}).status_code == 302
    assert client.post(url, data={**step_form(process), "action": "down-0"}).status_code == 302
    db.session.expire_all()
    assert [s.kind for s in process.steps] == ["consultation", "workshops", "adoption", "implementation", "evaluation"]
    assert process.steps[1].starts_on.isoformat() == "2024-04-15"
    backwards = {**step_form(process), "steps-0-starts_on": "2024-06-02", "steps-0-ends_on": "2024-06-01"}
    refused = client.post(url, data={**backwards, "action": "save"})
    assert refused.status_code == 400 and "A step cannot end before it starts." in text(refused)
    db.session.expire_all()
    assert process.steps[0].starts_on is None


def test_workshops_are_attached_published_withdrawn_and_detached(client, auth, facilitator):
    process = new_process(facilitator)
    workshop = make_workshop(facilitator)
    auth.login(facilitator)
    assert client.post(f"/processes/{process.id}/workshops", data={"workshop": workshop.code}).status_code == 302
    assert workshop.process_id == process.id
    # Open: no publish button, and the door refuses with the service's message.
    page = text(client.get(f"/facilitate/{workshop.code}?lang=en"))
    assert "Publish the outcome" not in page and "Programme Ait Amira" in page
    client.post(f"/facilitate/{workshop.code}/publish?lang=en")
    assert "Only a closed workshop can be published." in text(client.get(f"/facilitate/{workshop.code}?lang=en"))
    with unit_of_work():
        close_workshop(workshop, facilitator)
    assert f"/facilitate/{workshop.code}/publish" in text(client.get(f"/facilitate/{workshop.code}?lang=en"))
    assert client.post(f"/facilitate/{workshop.code}/publish").location.endswith(f"/facilitate/{workshop.code}")
    db.session.expire_all()
    assert workshop.published_at is not None
    page = text(client.get(f"/facilitate/{workshop.code}?lang=en"))
    assert f"/facilitate/{workshop.code}/withdraw" in page
    back = client.post(f"/facilitate/{workshop.code}/withdraw", data={"back": f"/processes/{process.id}"})
    assert back.location.endswith(f"/processes/{process.id}")
    db.session.expire_all()
    assert workshop.published_at is None
    assert client.post(f"/facilitate/{workshop.code}/publish", data={"back": "//evil.example"}).location.endswith(
        f"/facilitate/{workshop.code}"
    )
    assert client.post(f"/processes/{process.id}/workshops/{workshop.code}/detach").status_code == 302
    db.session.expire_all()
    assert (workshop.process_id, workshop.published_at) == (None, None)
    # From the workshop's page: the select puts it back in the process.
    assert client.post(f"/facilitate/{workshop.code}/process", data={"process": str(process.id)}).status_code == 302
    db.session.expire_all()
    assert workshop.process_id == process.id


def test_the_councils_decision_and_follow_up_with_a_real_pdf_and_a_fake_one(client, auth, facilitator, uploads):
    process, workshop, rec = published_recommendation(facilitator)
    auth.login(facilitator)
    url = f"/processes/{process.id}/recommendations/{rec.id}?lang=en"
    assert "بوابة إلكترونية" in text(client.get(f"/processes/{process.id}?lang=en"))
    adopt = {"action": "adopt", "adopt-session_name": "Session de mai", "adopt-session_date": "2024-05-06"}
    refused = client.post(url, data={**adopt, "adopt-decision": "amended"})
    assert refused.status_code == 400 and "This field is required." in text(refused)
    assert db.session.scalar(select(func.count(FollowUpUpdate.id))) == 0
    done = client.post(url, data={**adopt, "adopt-decision": "amended", "adopt-amended_text": "بالأمازيغية أيضا"})
    assert done.status_code == 302
    update = {"action": "update", "update-status": "in_progress", "update-progress": "40", "update-note": "Marché"}
    fake = client.post(url, data={**update, "update-document": (io.BytesIO(b"<html>x</html>"), "rapport.pdf")})
    assert fake.status_code == 400 and "Only PDF, PNG and JPEG files are accepted." in text(fake)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    bad = client.post(url, data={**update, "update-progress": "140"})
    assert bad.status_code == 400 and "Progress is a whole number from 0 to 100." in text(bad)
    real = client.post(url, data={**update, "update-document": (io.BytesIO(PDF), "rapport.pdf")})
    assert real.status_code == 302
    document = db.session.scalar(select(Document))
    assert (document.kind, document.content_type, (uploads / document.sha256).read_bytes()) == (
        "follow_up",
        "application/pdf",
        PDF,
    )
    history = text(client.get(url)).split('id="history"')[1]
    assert history.index("Marché") < history.index("بالأمازيغية أيضا")  # newest first
    got = client.get(f"/processes/{process.id}/documents/{document.id}")
    assert (got.status_code, got.mimetype, got.data) == (200, "application/pdf", PDF)


def test_repository_uploads_are_checked_and_a_too_large_file_gets_the_translated_refusal(
    app, client, auth, facilitator
):
    process = new_process(facilitator)
    auth.login(facilitator)
    app.config["DOCUMENT_MAX_BYTES"] = 1024 * 1024
    url = f"/processes/{process.id}/documents?lang=en"
    form = {"title": "Avis de l'IECG", "kind": "iecg_opinion", "dated": "2024-05-01"}
    huge = client.post(url, data={**form, "file": (io.BytesIO(PDF + b"0" * (1024 * 1024 + 70 * 1024)), "avis.pdf")})
    assert huge.status_code == 413 and "This file is too large (at most 1 MB)." in text(huge)
    over = client.post(url, data={**form, "file": (io.BytesIO(PDF + b"0" * (1024 * 1024)), "avis.pdf")})
    assert over.status_code == 400 and "This file is too large (at most 1 MB)." in text(over)
    # Above the app's 256 KB limit but under the document's: the upload form alone lifts it.
    ok = client.post(url, data={**form, "file": (io.BytesIO(PDF + b"0" * (300 * 1024)), "avis.pdf")})
    assert ok.status_code == 302
    document = db.session.scalar(select(Document))
    assert (document.title, document.kind, document.dated.isoformat()) == (
        "Avis de l'IECG",
        "iecg_opinion",
        "2024-05-01",
    )
    assert "Avis de l&#39;IECG" in text(client.get(f"/processes/{process.id}"))
    assert client.post(f"/processes/{process.id}/documents/{document.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_staff_read_everything_without_a_form_and_are_refused_a_change(client, auth, facilitator):
    process, workshop, rec = published_recommendation(facilitator)
    staff = make_facilitator(facilitator.commune, role="staff")
    auth.login(staff)
    for url in (f"/processes/{process.id}", f"/processes/{process.id}/recommendations/{rec.id}", "/processes"):
        page = client.get(url + "?lang=en")
        assert page.status_code == 200, url
        assert 'method="post"' not in text(page), url
    assert "بوابة إلكترونية" in text(client.get(f"/processes/{process.id}"))
    posts = {
        f"/processes/{process.id}": {"title": "x", "kind": "other"},
        f"/processes/{process.id}/steps": {"action": "add"},
        f"/processes/{process.id}/documents": {"title": "x", "file": (io.BytesIO(PDF), "x.pdf")},
        f"/processes/{process.id}/recommendations/{rec.id}": {"action": "update", "update-status": "done"},
        "/processes/new": {"title": "x", "kind": "pac"},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert client.post(f"/facilitate/{workshop.code}/withdraw").status_code == 404
    db.session.expire_all()
    assert (process.title, len(process.steps), workshop.published_at is not None) == ("Programme Ait Amira", 5, True)
    assert db.session.scalar(select(func.count(FollowUpUpdate.id))) == 0


def test_another_communes_admin_gets_not_found_and_changes_nothing(client, auth, facilitator):
    process, workshop, rec = published_recommendation(facilitator)
    auth.login(make_facilitator(role="admin"))
    for url in (f"/processes/{process.id}", f"/processes/{process.id}/recommendations/{rec.id}", "/processes/999"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/processes/{process.id}", data={"title": "x", "kind": "other"}).status_code == 404
    assert client.post(f"/processes/{process.id}/steps", data={"action": "add"}).status_code == 404
    url = f"/processes/{process.id}/recommendations/{rec.id}"
    assert client.post(url, data={"action": "update", "update-status": "done"}).status_code == 404
    assert client.post(f"/facilitate/{workshop.code}/withdraw").status_code == 404
    assert "Programme Ait Amira" not in text(client.get("/processes"))
    db.session.expire_all()
    assert (process.title, len(process.steps), workshop.published_at is not None) == ("Programme Ait Amira", 5, True)


@pytest.fixture
def csrf_app(database_uri) -> Iterator[Flask]:
    yield from running_app(database_uri, WTF_CSRF_ENABLED=True)


def test_uploads_check_the_csrf_token_themselves(csrf_app, tmp_path):
    """The upload views skip the global CSRF hook (it reads the body under 256 KB) and check the token after."""
    csrf_app.config["UPLOAD_FOLDER"] = str(tmp_path / "csrf-uploads")
    user = make_facilitator()
    process = new_process(user)
    desk = csrf_app.test_client()
    token = TOKEN.search(text(desk.get("/login"))).group(1)
    desk.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    form = {"title": "Décision", "kind": "council_decision"}
    refused = desk.post(f"/processes/{process.id}/documents", data={**form, "file": (io.BytesIO(PDF), "d.pdf")})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(Document.id))) == 0
    token = TOKEN.search(text(desk.get(f"/processes/{process.id}"))).group(1)
    data = {**form, "csrf_token": token, "file": (io.BytesIO(PDF), "d.pdf")}
    assert desk.post(f"/processes/{process.id}/documents", data=data).status_code == 302
    assert db.session.scalar(select(func.count(Document.id))) == 1
