"""The facilitation pages as a browser without JavaScript gets them: the control panel, the phone's phase, plain votes."""

import json
import re

from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.items import post_item
from consult.services.moderation import hide_item
from consult.services.phases import set_phase
from tests.conftest import make_facilitator, make_participant


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def join(client, workshop, group_index=0):
    client.post(f"/j/{workshop.code}", data={"consent": "y"})
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[group_index].id})


def test_the_control_panel_is_for_the_communes_facilitators_and_lists_hidden_items(client, auth, facilitator, workshop):
    assert "/login" in client.get(f"/facilitate/{workshop.code}/control").location
    participant, _ = make_participant(workshop, nickname="Amina")
    with unit_of_work():
        item, _ = post_item(
            workshop, participant, group_id=participant.group_id, kind="problem", text="ضجيج", client_id="a"
        )
        hide_item(workshop, Actor(user=facilitator), item.id, "hors sujet")
    auth.login(facilitator)
    assert f"/facilitate/{workshop.code}/control" in client.get(f"/facilitate/{workshop.code}").get_data(as_text=True)
    data = page_data(client.get(f"/facilitate/{workshop.code}/control").get_data(as_text=True))
    # The facilitator can restore what was hidden, so the panel knows it, with the reason.
    assert [(i["text"], i["status"], i["hidden_reason"]) for i in data["snapshot"]["items"]] == [
        ("ضجيج", "hidden", "hors sujet")
    ]
    assert data["participants"] == [{"id": participant.id, "nickname": "Amina", "group_id": participant.group_id}]
    assert data["snapshot"]["seq"] == workshop.last_seq
    listed = client.get(f"/facilitate/{workshop.code}/participants.json").get_json()
    assert listed["participants"][0]["nickname"] == "Amina"


def test_another_communes_facilitator_gets_not_found(client, auth, workshop):
    auth.login(make_facilitator())
    assert client.get(f"/facilitate/{workshop.code}/control").status_code == 404
    assert client.get(f"/facilitate/{workshop.code}/participants.json").status_code == 404


def test_a_phone_sees_the_phase_and_only_the_post_kinds_it_allows(client, facilitator, workshop):
    join(client, workshop)
    with unit_of_work():
        set_phase(workshop, Actor(user=facilitator), "welcome")
    page = client.get(f"/w/{workshop.code}?lang=en").get_data(as_text=True)
    assert "wait for the facilitator" in page
    assert re.search(r'<form method="post" class="card post-form" id="post-form" novalidate\s+hidden>', page)
    with unit_of_work():
        set_phase(workshop, Actor(user=facilitator), "solutions")
    page = client.get(f"/w/{workshop.code}?lang=en").get_data(as_text=True)
    assert re.search(r'<label class="kind-option"\s+hidden><input[^>]*value="problem"', page)
    assert re.search(r'<label class="kind-option"\s*><input[^>]*checked[^>]*value="solution"', page)


def test_without_javascript_a_phone_votes_and_takes_a_dot_back_with_plain_forms(client, facilitator, workshop):
    participant, _ = make_participant(workshop)
    with unit_of_work():
        item, _ = post_item(
            workshop, participant, group_id=participant.group_id, kind="problem", text="طرق", client_id="r"
        )
        set_phase(workshop, Actor(user=facilitator), "prioritization")
    join(client, workshop)
    page = client.get(f"/w/{workshop.code}?lang=en").get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="(\w+)"', page).group(1)
    form = {"item_id": str(item.id), "client_id": client_id, "action": "vote"}
    assert client.post(f"/w/{workshop.code}/vote", data=form).status_code == 302
    client.post(f"/w/{workshop.code}/vote", data=form)  # a double tap: one dot
    page = client.get(f"/w/{workshop.code}?lang=en").get_data(as_text=True)
    assert "My dots: 1" in page and page_data(page)["snapshot"]["me"]["votes_remaining"] == 2
    assert page_data(page)["snapshot"]["items"][0]["votes"] == 1
    client.post(f"/w/{workshop.code}/vote", data={**form, "client_id": "back", "action": "unvote"})
    page = client.get(f"/w/{workshop.code}?lang=en").get_data(as_text=True)
    assert "My dots: 0" in page and page_data(page)["snapshot"]["me"]["votes_remaining"] == 3


def test_a_refused_plain_vote_says_why(client, workshop):
    participant, _ = make_participant(workshop)
    with unit_of_work():
        item, _ = post_item(
            workshop, participant, group_id=participant.group_id, kind="problem", text="ماء", client_id="w"
        )
    join(client, workshop)
    response = client.post(
        f"/w/{workshop.code}/vote?lang=en", data={"item_id": str(item.id), "client_id": "x"}, follow_redirects=True
    )
    assert "Voting is not open in this phase." in response.get_data(as_text=True)


def test_premoderation_is_a_workshop_setting_and_the_plain_form_says_the_post_waits(client, auth, workshop):
    from consult.extensions import db
    from consult.models import Item, User

    auth.login(db.session.get(User, workshop.created_by_id))
    page = client.get(f"/facilitate/{workshop.code}").get_data(as_text=True)
    assert 'name="premoderation"' in page
    form = {
        "title": workshop.title,
        "language": "ar",
        "axes": "\n".join(t.name for t in workshop.themes),
        "principles": "\n".join(workshop.principles),
        "votes_per_participant": "3",
        "together": "y",
        "premoderation": "y",
    }
    assert client.post(f"/facilitate/{workshop.code}", data=form).status_code == 302
    db.session.refresh(workshop)
    assert workshop.setting("premoderation") is True
    control = client.get(f"/facilitate/{workshop.code}/control").get_data(as_text=True)
    assert 'id="pending"' in control
    client.post("/logout")
    joined = client.post(f"/j/{workshop.code}", data={"consent": "y"})
    assert joined.status_code == 302
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[0].id})
    done = client.post(
        f"/w/{workshop.code}",
        data={"kind": "problem", "text": "ينتظر الموافقة", "client_id": "pm1"},
        follow_redirects=True,
    )
    assert "flash-success" in done.get_data(as_text=True)
    item = db.session.scalar(db.select(Item).where(Item.client_id == "pm1"))
    assert item.status == "pending"
    assert "ينتظر الموافقة" not in client.get(f"/w/{workshop.code}").get_data(as_text=True).split('id="items"')[1]
