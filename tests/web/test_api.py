import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Participant
from tests.conftest import make_workshop


def participants():
    return db.session.scalar(select(func.count(Participant.id)))


def test_join_through_the_api_returns_token_participant_and_groups(client, workshop):
    response = client.post(
        f"/api/v1/workshops/{workshop.code}/participants",
        json={"nickname": "Youssef", "category": "citizen", "gender": "male", "age_band": "18_29", "consent": True},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32
    assert body["participant"]["nickname"] == "Youssef" and body["participant"]["group_id"] is None
    assert [g["theme"]["key"] for g in body["groups"]] == ["environment", "communication", "digitalization"]
    assert participants() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"consent": False}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"consent": True, "gender": "?"}, 400, "invalid"),
        ({"consent": True, "nickname": "x" * 500}, 400, "invalid"),
        ([1, 2], 400, "invalid"),
        ("just a string", 400, "invalid"),
    ],
)
def test_bad_joins_get_a_json_error_and_change_nothing(client, workshop, body, status, code):
    response = client.post(f"/api/v1/workshops/{workshop.code}/participants", json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert participants() == 0


def test_malformed_and_oversized_bodies_are_refused(client, workshop):
    url = f"/api/v1/workshops/{workshop.code}/participants"
    bad = client.post(url, data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid"
    huge = client.post(url, data='{"nickname": "' + "x" * 300_000 + '"}', content_type="application/json")
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "invalid"
    assert participants() == 0


def test_unknown_code_is_404_and_a_draft_cannot_be_joined(client, facilitator):
    assert client.post("/api/v1/workshops/ZZZZZZ/participants", json={"consent": True}).status_code == 404
    draft = make_workshop(facilitator, status="draft")
    response = client.post(f"/api/v1/workshops/{draft.code}/participants", json={"consent": True})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "closed"


def test_public_state_of_a_workshop(client, workshop):
    body = client.get(f"/api/v1/workshops/{workshop.code.lower()}").get_json()
    assert body["code"] == workshop.code and body["status"] == "open"
    assert body["settings"]["votes_per_participant"] == 3
    assert body["counts"] == {"participants": 0, "by_group": {}}


def test_errors_are_in_the_asked_language(client, workshop):
    url = f"/api/v1/workshops/{workshop.code}/participants"
    fr = client.post(url + "?lang=fr", json={"consent": False}).get_json()["error"]["message"]
    en = client.post(url + "?lang=en", json={"consent": False}).get_json()["error"]["message"]
    assert fr != en
