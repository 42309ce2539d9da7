"""Replays (`sync`) for a phone that joins late or comes back: whole, gap-free, and never carrying text the room no
longer shows: a hidden item's text, the text before a correction, a held item."""

import json

from consult.extensions import db
from consult.models import Participant
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.moderation import set_rapporteur
from consult.services.workshops import update_settings
from tests.conftest import make_participant
from tests.realtime.test_facilitation_live import call
from tests.realtime.test_live import NS, connect, events, post

PHONE_NUMBER = "اتصلوا بي على 0612345678"


def late_phone(app, workshop):
    """A phone that joins now and asks for everything since the start."""
    _, token = make_participant(workshop, 1)
    phone = connect(app, token=token)
    assert phone.is_connected(NS)
    replay = call(phone, "sync", since=0)
    assert replay["ok"] is True
    return phone, replay


def test_a_late_phone_replays_no_hidden_text_and_no_text_before_a_correction(app, live):
    workshop, board, (alice, a), (bob, b) = live
    secret = post(a, alice.group_id, text=PHONE_NUMBER)["item"]
    typo = post(a, alice.group_id, text="الانارة العمومية ضعيفه", client_id="c2")["item"]
    assert call(board, "hide_item", item_id=secret["id"], reason="رقم هاتف")["ok"]
    assert call(board, "edit_item", item_id=typo["id"], text="الإنارة العمومية ضعيفة")["ok"]

    _phone, replay = late_phone(app, workshop)
    db.session.refresh(workshop)
    seqs = [e["seq"] for e in replay["events"]]
    assert seqs == list(range(1, workshop.last_seq + 1)) and replay["seq"] == workshop.last_seq
    wire = json.dumps(replay, ensure_ascii=False)
    assert "0612345678" not in wire
    assert "الانارة العمومية ضعيفه" not in wire
    created = {e["data"]["item"]["id"]: e["data"]["item"] for e in replay["events"] if e["type"] == "item.created"}
    assert created[typo["id"]]["text"] == "الإنارة العمومية ضعيفة" and created[typo["id"]]["edited"] is True
    assert created[secret["id"]]["status"] == "hidden" and created[secret["id"]]["text"] == ""
    assert created[secret["id"]]["author_id"] is None
    # The phone that was there all along received the text live, as it was then: only replays are rebuilt.
    assert PHONE_NUMBER in json.dumps(events(b), ensure_ascii=False)


def test_a_restored_item_replays_with_the_text_the_room_sees_again(app, live):
    workshop, board, (alice, a), _ = live
    item = post(a, alice.group_id, text="كلام يحتاج مراجعة")["item"]
    call(board, "hide_item", item_id=item["id"])
    call(board, "edit_item", item_id=item["id"], text="كلام بعد المراجعة")
    call(board, "restore_item", item_id=item["id"])
    _phone, replay = late_phone(app, workshop)
    wire = json.dumps(replay, ensure_ascii=False)
    assert "كلام يحتاج مراجعة" not in wire
    restored = [e for e in replay["events"] if e["type"] == "item.restored"]
    assert restored[0]["data"]["item"]["text"] == "كلام بعد المراجعة"


def test_a_held_item_reaches_only_its_author_and_the_facilitators(app, live, facilitator):
    workshop, board, (alice, a), (bob, b) = live
    with unit_of_work():
        update_settings(workshop, facilitator, premoderation=True)
        set_rapporteur(workshop, Actor(user=facilitator), alice.group_id, alice.id)
    _, carol_token = make_participant(workshop, 0)
    carol = connect(app, token=carol_token)
    for c in (board, a, b, carol):
        c.get_received(NS)
    held = post(carol, db.session.get(Participant, alice.id).group_id, text="رقم بطاقتي الوطنية")["item"]
    assert held["status"] == "pending"
    # The rapporteur of that very group cannot reach it through any moderation call: to her it does not exist.
    for event, data in [
        ("pin_item", {"pinned": True}),
        ("pin_item", {"pinned": False}),
        ("set_decision", {"decision": "not_retained", "reason": "x"}),
        ("edit_item", {"text": "نص"}),
        ("hide_item", {}),
        ("restore_item", {}),
        ("approve_item", {}),
        ("reject_item", {}),
    ]:
        ack = call(a, event, item_id=held["id"], **data)
        assert ack["ok"] is False and ack["error"]["code"] in ("not_found", "forbidden"), (event, ack)
        assert "رقم بطاقتي" not in json.dumps(ack, ensure_ascii=False)
    assert all(events(c) == [] for c in (a, b, carol))
    assert "رقم بطاقتي" not in json.dumps(call(a, "sync", since=0), ensure_ascii=False)
    assert [i["id"] for i in call(carol, "state")["pending"]] == [held["id"]]
    assert call(a, "state")["pending"] == []
    # Rejected, it stays off the public stream; restoring it is refused.
    assert call(board, "reject_item", item_id=held["id"], reason="معطيات شخصية")["ok"]
    assert call(board, "restore_item", item_id=held["id"])["error"]["code"] == "invalid"
    assert all(events(c) == [] for c in (a, b, carol))
    assert "رقم بطاقتي" not in json.dumps(call(b, "sync", since=0), ensure_ascii=False)


def test_a_phone_reads_its_own_dots_again_after_a_merge_and_an_unmerge(live):
    workshop, board, (alice, a), (bob, b) = live
    keep = post(a, alice.group_id, text="النفايات")["item"]
    dup = post(a, alice.group_id, text="الأزبال", client_id="c2")["item"]
    call(board, "set_phase", phase="prioritization")
    call(b, "vote", client_id="v1", item_id=dup["id"])
    call(board, "merge_items", keep_id=keep["id"], merge_ids=[dup["id"]])
    db.session.refresh(workshop)
    assert call(b, "my_votes") == {"ok": True, "seq": workshop.last_seq, "votes": {str(keep["id"]): 1}, "remaining": 2}
    call(board, "unmerge_item", item_id=dup["id"])
    db.session.refresh(workshop)
    assert call(b, "my_votes")["votes"] == {str(dup["id"]): 1}
    assert call(board, "my_votes")["error"]["code"] == "forbidden"
