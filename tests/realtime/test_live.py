"""The /live namespace through Flask-SocketIO's test client."""

import re
import time

import pytest
from sqlalchemy import func, select

from consult.extensions import db, socketio
from consult.models import Item, User, WorkshopEvent
from tests.conftest import make_facilitator, make_participant, make_workshop

NS = "/live"


def connect(app, **auth):
    return socketio.test_client(app, namespace=NS, auth=auth)


def events(client):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == "event"]


def counts_until(client, done, timeout=3.0):
    """The participant counts a staff screen received, read until done(the latest) holds: they come folded."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += [m["args"][0]["counts"] for m in client.get_received(NS) if m["name"] == "counts"]
        if seen and done(seen[-1]):
            break
        time.sleep(0.05)
    return seen


def post(client, group_id, text="غياب الإنارة العمومية", kind="problem", client_id="c1", **extra):
    return client.emit(
        "post",
        {"client_id": client_id, "group_id": group_id, "kind": kind, "text": text, **extra},
        namespace=NS,
        callback=True,
    )


@pytest.fixture
def room(app, workshop):
    """Two participants of the same workshop, in different groups, connected: (participant, client, token)."""
    alice, alice_token = make_participant(workshop, 0)
    bob, bob_token = make_participant(workshop, 1)
    a, b = connect(app, token=alice_token), connect(app, token=bob_token)
    assert a.is_connected(NS) and b.is_connected(NS)
    return workshop, (alice, a, alice_token), (bob, b, bob_token)


def test_participants_see_each_others_posts_across_groups(room):
    workshop, (alice, a, _), (bob, b, _) = room
    ack = post(a, alice.group_id)
    assert ack["ok"] is True and ack["item"]["text"] == "غياب الإنارة العمومية"
    db.session.refresh(workshop)
    assert ack["seq"] == workshop.last_seq
    for client in (a, b):
        [ev] = events(client)
        assert ev["type"] == "item.created" and ev["seq"] == ack["seq"]
        assert ev["data"]["item"]["id"] == ack["item"]["id"]
        assert ev["data"]["item"]["author_id"] == alice.id


def test_another_workshop_never_receives_the_events(app, room, facilitator):
    workshop, (alice, a, _), _ = room
    other = make_workshop(facilitator, title="ورشة أخرى")
    _, stranger_token = make_participant(other, 0)
    stranger = connect(app, token=stranger_token)
    stranger.get_received(NS)
    assert post(a, alice.group_id)["ok"]
    assert post(a, alice.group_id, client_id="c2", text="ثانية")["ok"]
    assert events(stranger) == []
    sync = stranger.emit("sync", {"since": 0}, namespace=NS, callback=True)
    assert sync["ok"] and sync["events"] and all(e["type"] != "item.created" for e in sync["events"])


def test_reconnecting_participant_gets_exactly_the_missed_events_with_sync(app, room):
    workshop, (alice, a, _), (bob, b, bob_token) = room
    post(a, alice.group_id, client_id="before")
    [seen] = events(b)
    b.disconnect(NS)
    missed = [post(a, alice.group_id, client_id=f"m{n}", text=f"فاتك {n}")["item"]["id"] for n in range(3)]
    back = connect(app, token=bob_token)
    ack = back.emit("sync", {"since": seen["seq"]}, namespace=NS, callback=True)
    assert ack["ok"]
    assert [e["seq"] for e in ack["events"]] == [seen["seq"] + 1, seen["seq"] + 2, seen["seq"] + 3]
    assert [e["data"]["item"]["id"] for e in ack["events"]] == missed
    assert ack["seq"] == seen["seq"] + 3


def test_join_group_returns_the_groups_items_and_moves_the_participant(app, room):
    workshop, (alice, a, _), (bob, b, _) = room
    post(a, alice.group_id, text="في مجموعة البيئة")
    ack = b.emit("join_group", {"group_id": alice.group_id}, namespace=NS, callback=True)
    assert ack["ok"] and [i["text"] for i in ack["items"]] == ["في مجموعة البيئة"]
    db.session.refresh(bob)
    assert bob.group_id == alice.group_id
    # The choice is logged for the staff; the other phones hear nothing of it.
    assert not [e for e in events(a) if e["type"].startswith("participant.")]
    logged = db.session.scalars(select(WorkshopEvent).order_by(WorkshopEvent.id.desc())).first()
    assert (logged.type, logged.stream) == ("participant.group_chosen", "staff")
    assert logged.payload["group_id"] == alice.group_id


def test_state_describes_the_workshop_for_a_fresh_screen(app, room):
    workshop, (alice, a, _), _ = room
    post(a, alice.group_id)
    ack = a.emit("state", namespace=NS, callback=True)
    assert ack["ok"] and ack["workshop"]["code"] == workshop.code
    assert [g["theme"]["key"] for g in ack["workshop"]["groups"]] == ["environment", "communication", "digitalization"]
    assert len(ack["items"]) == 1 and ack["me"]["id"] == alice.id and ack["counts"]["participants"] == 2


def test_resending_a_post_returns_the_same_item_and_broadcasts_once(room):
    workshop, (alice, a, _), (bob, b, _) = room
    first = post(a, alice.group_id, client_id="retry")
    second = post(a, alice.group_id, client_id="retry")
    assert second["ok"] and second["item"]["id"] == first["item"]["id"] and second["seq"] == first["seq"]
    assert len(events(b)) == 1


MINE = "<the participant's group>"
BAD_PAYLOADS = [
    ("not an object", "invalid"),
    (["list"], "invalid"),
    (42, "invalid"),
    ({}, "invalid"),
    ({"client_id": "x", "kind": "problem", "text": "نص"}, "invalid"),  # no group
    ({"client_id": "x", "group_id": "G", "kind": "problem", "text": "نص"}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "idea", "text": "نص"}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "text": "نص"}, "invalid"),  # no kind
    ({"client_id": "x", "group_id": MINE, "kind": "problem"}, "invalid"),  # no text
    ({"client_id": "x", "group_id": MINE, "kind": "problem", "text": ""}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "problem", "text": "   "}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "problem", "text": "ت" * 1001}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "problem", "text": "ت" * 200_000}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "problem", "text": {"nested": "object"}}, "invalid"),
    ({"group_id": MINE, "kind": "problem", "text": "نص"}, "invalid"),  # no client_id
    ({"client_id": {"a": 1}, "group_id": MINE, "kind": "problem", "text": "نص"}, "invalid"),
    ({"client_id": "x", "group_id": MINE, "kind": "solution", "text": "نص", "parent_id": 10**9}, "not_found"),
    ({"client_id": "x", "group_id": MINE, "kind": "solution", "text": "نص", "parent_id": True}, "invalid"),
]


@pytest.mark.parametrize(("payload", "code"), BAD_PAYLOADS)
def test_bad_posts_are_refused_with_a_code_and_a_message_and_store_nothing(room, payload, code):
    workshop, (alice, a, _), (bob, b, _) = room
    if isinstance(payload, dict) and payload.get("group_id") == MINE:
        payload = {**payload, "group_id": alice.group_id}
    ack = a.emit("post", payload, namespace=NS, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert events(b) == []
    assert post(a, alice.group_id)["ok"]  # and the connection keeps working


def test_refusals_are_translated_into_the_connections_language(app, workshop):
    _, token = make_participant(workshop, 0)
    acks = {
        lang: connect(app, token=token, lang=lang).emit("post", "nope", namespace=NS, callback=True)
        for lang in ("ar", "fr", "zgh", "en")
    }
    assert {ack["error"]["code"] for ack in acks.values()} == {"invalid"}
    messages = {lang: ack["error"]["message"] for lang, ack in acks.items()}
    assert len(set(messages.values())) == 4
    assert re.search("[\u0600-\u06ff]", messages["ar"]) and re.search("[\u2d30-\u2d7f]", messages["zgh"])


def test_posting_into_a_group_of_another_workshop_is_not_found(app, room, facilitator):
    workshop, (alice, a, _), _ = room
    other = make_workshop(facilitator, title="أخرى")
    ack = post(a, other.groups[0].id)
    assert ack == {"ok": False, "error": {"code": "not_found", "message": ack["error"]["message"]}}


def test_sync_rejects_a_bad_since(room):
    _, (alice, a, _), _ = room
    for since in ("5", -1, None, 1.5, True):
        ack = a.emit("sync", {"since": since}, namespace=NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid"


def test_unknown_token_or_code_cannot_connect(app, workshop):
    assert not connect(app, token="forged").is_connected(NS)
    assert not connect(app, workshop="ZZZZZZ").is_connected(NS)
    assert not connect(app, workshop=workshop.code).is_connected(NS)  # no participant in this browser session
    assert not socketio.test_client(app, namespace=NS, auth="token").is_connected(NS)


def test_facilitator_connects_with_the_session_cookie_and_sees_the_stream(app, auth, client, room):
    workshop, (alice, a, _), _ = room
    user = db.session.get(User, workshop.created_by_id)
    auth.login(user)
    board = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": workshop.code})
    assert board.is_connected(NS)
    board.get_received(NS)
    post(a, alice.group_id)
    assert [e["type"] for e in events(board)] == ["item.created"]
    refused = board.emit(
        "post",
        {"client_id": "f", "group_id": alice.group_id, "kind": "problem", "text": "x"},
        namespace=NS,
        callback=True,
    )
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"


def test_facilitator_of_another_commune_cannot_connect_to_the_board(app, auth, client, workshop):
    stranger = make_facilitator()
    auth.login(stranger)
    board = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": workshop.code})
    assert not board.is_connected(NS)


def test_browser_participant_connects_with_its_session_cookie(app, client, workshop):
    response = client.post(f"/j/{workshop.code}", data={"consent": "y"})
    assert response.status_code == 302
    phone = socketio.test_client(
        app, namespace=NS, flask_test_client=client, auth={"workshop": workshop.code, "role": "participant"}
    )
    assert phone.is_connected(NS)
    assert phone.emit("state", namespace=NS, callback=True)["me"]["id"]
