"""Facilitation over /live: every change is acked to its author and broadcast, in order, to the whole workshop."""

import pytest

from consult.extensions import db, socketio
from consult.models import User
from tests.conftest import make_facilitator, make_participant, make_workshop
from tests.realtime.test_live import NS, connect, events, post


def call(client, event, **data):
    return client.emit(event, data, namespace=NS, callback=True)


def everyone_got(clients, type_):
    """The one event each client received, the same for all, of this type."""
    received = [events(c) for c in clients]
    assert all(len(r) == 1 and r[0]["type"] == type_ for r in received), received
    assert all(r == received[0] for r in received)
    return received[0][0]


def test_phase_and_timer_changes_reach_every_screen(live):
    workshop, board, (alice, a), (bob, b) = live
    ack = call(board, "set_phase", phase="prioritization", seconds=300)
    assert ack["ok"] and ack["phase"] == "prioritization"
    event = everyone_got([board, a, b], "phase.changed")
    assert event["seq"] == ack["seq"] and event["data"]["allowed"] == ["vote"]
    assert event["data"]["timer"]["state"] == "running" and event["data"]["timer"]["ends_at"].endswith("Z")
    ack = call(board, "timer", action="pause")
    assert ack["ok"] and ack["timer"]["state"] == "paused"
    assert everyone_got([board, a, b], "timer.changed")["data"]["timer"]["remaining"] <= 300
    state = call(a, "state")
    assert state["workshop"]["phase"] == "prioritization" and state["workshop"]["timer"]["state"] == "paused"


def test_votes_are_acked_with_the_budget_and_counts_are_broadcast(live):
    workshop, board, (alice, a), (bob, b) = live
    item = post(a, alice.group_id)["item"]
    call(board, "set_phase", phase="prioritization")
    for c in (board, a, b):
        c.get_received(NS)
    ack = call(b, "vote", client_id="v1", item_id=item["id"])
    assert ack == {"ok": True, "seq": ack["seq"], "item_id": item["id"], "remaining": 2, "mine": 1}
    event = everyone_got([board, a, b], "vote.changed")
    assert event["data"] == {"item_id": item["id"], "votes": 1, "votes_cast": 1}
    assert call(b, "unvote", client_id="u1", item_id=item["id"])["remaining"] == 3
    assert everyone_got([board, a, b], "vote.changed")["data"]["votes"] == 0
    state = call(b, "state")
    assert state["me"]["votes_remaining"] == 3 and state["me"]["votes"] == {}
    assert call(board, "vote", client_id="v2", item_id=item["id"])["error"]["code"] == "forbidden"


def test_a_merge_moves_the_votes_on_every_screen(live):
    workshop, board, (alice, a), (bob, b) = live
    keep = post(a, alice.group_id, text="النفايات")["item"]
    dup = post(a, alice.group_id, text="الأزبال", client_id="c2")["item"]
    call(board, "set_phase", phase="prioritization")
    call(b, "vote", client_id="v1", item_id=dup["id"])
    for c in (board, a, b):
        c.get_received(NS)
    ack = call(board, "merge_items", keep_id=keep["id"], merge_ids=[dup["id"]])
    assert ack["ok"] and ack["item"]["votes"] == 1
    event = everyone_got([board, a, b], "items.merged")
    assert event["data"]["keep"]["id"] == keep["id"] and event["data"]["keep"]["votes"] == 1
    assert event["data"]["merged_ids"] == [dup["id"]]
    ack = call(board, "unmerge_item", item_id=dup["id"])
    assert ack["ok"] and ack["item"]["votes"] == 1
    assert everyone_got([board, a, b], "items.unmerged")["data"]["keep"]["votes"] == 0


@pytest.mark.parametrize(
    "event, data",
    [
        ("set_phase", {"phase": "problems"}),
        ("timer", {"action": "start", "seconds": 60}),
        ("hide_item", {"item_id": 1}),
        ("restore_item", {"item_id": 1}),
        ("edit_item", {"item_id": 1, "text": "x"}),
        ("pin_item", {"item_id": 1, "pinned": True}),
        ("move_item", {"item_id": 1, "group_id": 1}),
        ("merge_items", {"keep_id": 1, "merge_ids": [2]}),
        ("set_decision", {"item_id": 1, "decision": "not_retained", "reason": "x"}),
        ("set_rapporteur", {"group_id": 1, "participant_id": 1}),
        ("scribe_post", {"client_id": "s", "group_id": 1, "kind": "problem", "text": "x"}),
        ("save_recommendation", {"theme_id": 1, "title": "x"}),
        ("reorder_recommendations", {"theme_id": 1, "ids": []}),
    ],
)
def test_a_participant_calling_a_facilitator_event_is_forbidden(live, event, data):
    workshop, board, (alice, a), (bob, b) = live
    post(a, alice.group_id)
    post(a, alice.group_id, text="ثانية", client_id="c2")
    for c in (board, a, b):
        c.get_received(NS)
    seq = workshop.last_seq
    ack = a.emit(event, data, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
    assert ack["error"]["message"]
    db.session.refresh(workshop)
    assert workshop.last_seq == seq and events(b) == []


def test_moderation_reaches_every_screen_and_hidden_text_does_not_travel(live):
    workshop, board, (alice, a), (bob, b) = live
    item = post(a, alice.group_id, text="كلام غير لائق")["item"]
    for c in (board, a, b):
        c.get_received(NS)
    assert call(board, "hide_item", item_id=item["id"], reason="إساءة")["ok"]
    event = everyone_got([board, a, b], "item.hidden")
    assert event["data"] == {"item_id": item["id"], "group_id": alice.group_id, "reason": "إساءة"}
    assert all(i["id"] != item["id"] for i in call(b, "state")["items"])
    assert call(board, "restore_item", item_id=item["id"])["ok"]
    assert everyone_got([board, a, b], "item.restored")["data"]["item"]["text"] == "كلام غير لائق"
    assert call(board, "edit_item", item_id=item["id"], text="كلام مصحح")["item"]["edited"] is True
    assert everyone_got([board, a, b], "item.updated")["data"]["item"]["text"] == "كلام مصحح"
    moved = call(board, "move_item", item_id=item["id"], group_id=bob.group_id)
    assert moved["ok"] and moved["items"][0]["group_id"] == bob.group_id
    assert everyone_got([board, a, b], "item.moved")["data"]["from_group_id"] == alice.group_id


def test_a_rapporteur_moderates_their_group_over_the_socket(live):
    workshop, board, (alice, a), (bob, b) = live
    mine = post(a, alice.group_id)["item"]
    theirs = post(b, bob.group_id, text="آخر")["item"]
    assert (
        call(board, "set_rapporteur", group_id=alice.group_id, participant_id=alice.id)["group"]["rapporteur_id"]
        == alice.id
    )
    assert call(a, "pin_item", item_id=mine["id"], pinned=True)["item"]["pinned"] is True
    assert call(a, "pin_item", item_id=theirs["id"], pinned=True)["error"]["code"] == "forbidden"
    scribed = call(
        a,
        "scribe_post",
        client_id="s1",
        group_id=alice.group_id,
        kind="solution",
        text="حل من ورقة",
        parent_id=mine["id"],
    )
    assert scribed["ok"] and scribed["item"]["by_scribe"] and scribed["item"]["parent_id"] == mine["id"]


def test_recommendations_are_broadcast_numbered(live):
    workshop, board, (alice, a), (bob, b) = live
    item = post(a, alice.group_id)["item"]
    theme_id = workshop.groups[0].theme_id
    for c in (board, a, b):
        c.get_received(NS)
    ack = call(board, "save_recommendation", theme_id=theme_id, title="تعميم الحاويات", item_ids=[item["id"]])
    assert ack["ok"]
    event = everyone_got([board, a, b], "recommendation.changed")
    [rec] = event["data"]["recommendations"]
    assert rec["number"] == 1 and rec["id"] == ack["id"] and rec["item_ids"] == [item["id"]]
    assert event["data"]["items"][0]["decision"] == "retained"
    assert call(a, "state")["recommendations"] == event["data"]["recommendations"]
    bad = call(board, "save_recommendation", theme_id=theme_id, title="")
    assert bad["ok"] is False and bad["error"]["code"] == "invalid" and bad["error"]["field"] == "title"


def test_a_facilitator_of_another_commune_cannot_drive_this_workshop(app, auth, client, workshop):
    # They cannot even connect to it; and on their own workshop's socket, this workshop's items are unknown.
    stranger = make_facilitator()
    theirs = make_workshop(stranger, title="ورشتهم")
    alice, token = make_participant(workshop, 0)
    item = post(connect(app, token=token), alice.group_id)["item"]
    auth.login(stranger)
    board = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": theirs.code})
    assert board.is_connected(NS)
    assert call(board, "hide_item", item_id=item["id"])["error"]["code"] == "not_found"
    assert (
        call(board, "set_rapporteur", group_id=alice.group_id, participant_id=alice.id)["error"]["code"] == "not_found"
    )


def test_premoderated_items_reach_only_facilitators_until_approved(live, facilitator):
    from consult.services import unit_of_work
    from consult.services.workshops import update_settings

    workshop, board, (alice, a), (bob, b) = live
    with unit_of_work():
        update_settings(workshop, db.session.get(User, workshop.created_by_id), premoderation=True)
    for c in (board, a, b):
        c.get_received(NS)
    ack = post(a, alice.group_id, text="ينتظر")
    assert ack["ok"] and ack["item"]["status"] == "pending"
    staff = [m["args"][0] for m in board.get_received(NS) if m["name"] == "staff_event"]
    assert [e["type"] for e in staff] == ["item.pending"]  # joins and seats travel only as counts
    assert a.get_received(NS) == [] and b.get_received(NS) == []  # neither stream reaches the phones
    assert [i["id"] for i in call(a, "state")["pending"]] == [ack["item"]["id"]]
    assert call(b, "state")["pending"] == []
    assert call(b, "sync", since=0, stream="staff")["error"]["code"] == "forbidden"
    assert call(board, "sync", since=staff[0]["seq"] - 1, stream="staff")["events"] == staff
    assert call(a, "approve_item", item_id=ack["item"]["id"])["error"]["code"] == "forbidden"
    approved = call(board, "approve_item", item_id=ack["item"]["id"])
    assert approved["ok"] and approved["item"]["status"] == "visible"
    event = everyone_got([a, b], "item.created")
    assert event["data"]["item"]["id"] == ack["item"]["id"] and event["seq"] == approved["seq"]
