"""The pages, driven as a browser without JavaScript would: plain forms and redirects."""

import re
from xml.etree import ElementTree

from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Item, Workshop
from tests.conftest import make_facilitator, make_participant


def join(client, workshop, **data):
    return client.post(f"/j/{workshop.code}", data={"consent": "y", **data})


def test_every_page_is_arabic_and_right_to_left_by_default(client, workshop):
    for url in ("/", "/login", f"/j/{workshop.code}"):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in html, url
    assert '<html lang="fr" dir="ltr">' in client.get("/?lang=fr").get_data(as_text=True)
    # remembered for this browser
    assert '<html lang="fr" dir="ltr">' in client.get("/login").get_data(as_text=True)


def test_the_code_typed_at_home_leads_to_the_join_page(client, workshop):
    response = client.post("/", data={"code": workshop.code.lower()})
    assert response.status_code == 302 and response.location.endswith(f"/j/{workshop.code}")
    wrong = client.post("/", data={"code": "NOPE99"})
    assert wrong.status_code == 200 and "field-error" in wrong.get_data(as_text=True)


def test_join_needs_consent_then_leads_to_the_room(client, workshop):
    page = client.get(f"/j/{workshop.code}").get_data(as_text=True)
    assert "09-08" in page and 'name="nickname"' in page
    refused = client.post(f"/j/{workshop.code}", data={"nickname": "Amina"})
    assert refused.status_code == 200 and "field-error" in refused.get_data(as_text=True)
    response = join(client, workshop, nickname="Amina", category="civil_society", gender="female")
    assert response.status_code == 302 and response.location.endswith(f"/w/{workshop.code}")
    room = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    assert "group_id" in room  # the group picker


def test_room_without_joining_redirects_to_join(client, workshop):
    response = client.get(f"/w/{workshop.code}")
    assert response.status_code == 302 and f"/j/{workshop.code}" in response.location


def test_plain_form_posting_works_without_javascript_and_a_double_submit_posts_once(client, workshop):
    join(client, workshop)
    group = workshop.groups[1]
    client.post(f"/w/{workshop.code}/group", data={"group_id": group.id})
    room = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    client_id = re.search(r'name="client_id" type="hidden" value="(\w+)"', room).group(1)
    form = {"kind": "problem", "text": "ضعف صبيب الأنترنت بمقر الجماعة", "client_id": client_id}
    first = client.post(f"/w/{workshop.code}", data=form)
    second = client.post(f"/w/{workshop.code}", data=form)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(select(func.count(Item.id))) == 1
    page = client.get(first.location).get_data(as_text=True)
    assert "ضعف صبيب الأنترنت بمقر الجماعة" in page and "badge-mine" in page


def test_a_blank_post_shows_an_error_and_stores_nothing(client, workshop):
    join(client, workshop)
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[0].id})
    response = client.post(
        f"/w/{workshop.code}", data={"kind": "problem", "text": "   ", "client_id": "abc"}, follow_redirects=True
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_user_text_is_escaped_never_run(client, workshop):
    join(client, workshop)
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[0].id})
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(f"/w/{workshop.code}", data={"kind": "problem", "text": script, "client_id": "xss"})
    page = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(" in page
    assert "script-src 'self'" in client.get(f"/w/{workshop.code}").headers["Content-Security-Policy"]


def test_other_groups_can_be_read(client, workshop):
    _, _token = make_participant(workshop, 2)
    other = db.session.scalars(select(Workshop)).first()
    from consult.services import unit_of_work
    from consult.services.items import post_item

    participant = make_participant(workshop, 2)[0]
    with unit_of_work():
        post_item(
            other, participant, group_id=participant.group_id, kind="problem", text="رقمنة الخدمات", client_id="d"
        )
    join(client, workshop)
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[0].id})
    page = client.get(f"/w/{workshop.code}?group={workshop.groups[2].id}").get_data(as_text=True)
    assert "رقمنة الخدمات" in page and 'id="post-form"' not in page


def test_login_then_create_a_workshop_with_the_default_axes_and_open_it(client, auth, facilitator):
    assert "/login" in client.get("/facilitate/").location
    wrong = auth.login(facilitator, "wrong password")
    assert wrong.status_code == 200 and "flash-error" in wrong.get_data(as_text=True)
    assert auth.login(facilitator).status_code == 302
    form = client.get("/facilitate/new").get_data(as_text=True)
    assert "Environment" in form or "البيئة" in form
    response = client.post(
        "/facilitate/new",
        data={
            "title": "ورشة الإعداد المشترك",
            "language": "ar",
            "axes": "البيئة\nالتواصل\nالرقمنة\nالشباب",
            "principles": "الشفافية",
        },
    )
    assert response.status_code == 302
    workshop = db.session.scalars(select(Workshop)).one()
    assert [t.name for t in workshop.themes] == ["البيئة", "التواصل", "الرقمنة", "الشباب"]
    assert workshop.status == "draft"
    client.post(f"/facilitate/{workshop.code}/open")
    db.session.refresh(workshop)
    assert workshop.status == "open"
    page = client.get(f"/facilitate/{workshop.code}").get_data(as_text=True)
    assert workshop.code in page and f"/w/{workshop.code}/qr.svg" in page


def test_creating_a_workshop_without_a_title_shows_the_error(client, auth, facilitator):
    auth.login(facilitator)
    response = client.post("/facilitate/new", data={"title": " ", "language": "ar", "axes": "البيئة"})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Workshop.id))) == 0


def test_the_board_shows_columns_items_code_and_qr(client, auth, facilitator, workshop):
    participant, _ = make_participant(workshop, 1)
    from consult.services import unit_of_work
    from consult.services.items import post_item

    with unit_of_work():
        problem, _ = post_item(
            workshop, participant, group_id=participant.group_id, kind="problem", text="ضعف التواصل", client_id="p"
        )
        post_item(
            workshop,
            participant,
            group_id=participant.group_id,
            kind="solution",
            text="صفحة رسمية",
            client_id="s",
            parent_id=problem.id,
        )
    auth.login(facilitator)
    page = client.get(f"/w/{workshop.code}/board").get_data(as_text=True)
    assert page.count('class="column"') == 3
    assert workshop.code in page and "qr.svg" in page
    thread = page[page.index("ضعف التواصل") :]
    assert (
        "صفحة رسمية"
        in thread[: thread.index("</div>\n          </div>") if "</div>\n          </div>" in thread else None]
    )


def test_board_and_settings_of_another_commune_are_not_found(client, auth, workshop):
    auth.login(make_facilitator())
    assert client.get(f"/w/{workshop.code}/board").status_code == 404
    assert client.get(f"/facilitate/{workshop.code}").status_code == 404
    assert client.post(f"/facilitate/{workshop.code}/close").status_code == 404


def test_qr_code_is_an_svg_of_the_join_link(client, workshop):
    response = client.get(f"/w/{workshop.code}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"  # a standalone document: an <img> shows nothing without it


def test_unknown_pages_are_translated_404s(client):
    response = client.get("/w/NOPE99")
    assert response.status_code == 404 and 'dir="rtl"' in response.get_data(as_text=True)


def test_the_demo_command_is_idempotent(runner):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    code = re.search(r"join code: (\w{6})", first.output).group(1)
    assert f"join code: {code}" in second.output
    assert "facilitator login: " in first.output
    # The live demo and the published youth session, once each.
    assert sorted(db.session.scalars(select(Workshop.status))) == ["closed", "open"]
