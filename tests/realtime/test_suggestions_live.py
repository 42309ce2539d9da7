"""suggest_merges over /live: the facilitator and a table's rapporteur get pairs, nobody else; nothing is broadcast."""

from consult.extensions import socketio
from tests.conftest import make_facilitator, make_participant, make_workshop
from tests.realtime.test_facilitation_live import call
from tests.realtime.test_live import NS, connect, events, post


def duplicates(live):
    workshop, board, (alice, a), (bob, b) = live
    keep = post(a, alice.group_id, text="ماكاينش حاويات ديال الزبل فالسوق")["item"]
    dup = post(a, alice.group_id, text="ما كاينينش الحاويات د الزبل ف السوق", client_id="c2")["item"]
    post(a, alice.group_id, text="wifi f lmadrasa", client_id="c3")
    for c in (board, a, b):
        c.get_received(NS)
    return keep, dup


def test_the_facilitator_gets_the_pairs_and_nobody_hears_of_it(live):
    workshop, board, (alice, a), (bob, b) = live
    keep, dup = duplicates(live)
    ack = call(board, "suggest_merges")
    assert ack["ok"] is True and [(p["keep_id"], p["merge_id"]) for p in ack["pairs"]] == [(keep["id"], dup["id"])]
    assert 0.76 <= ack["pairs"][0]["score"] <= 1
    assert call(board, "suggest_merges", group_id=alice.group_id)["pairs"] == ack["pairs"]
    assert call(board, "suggest_merges", theme_id=workshop.groups[0].theme_id)["pairs"] == ack["pairs"]
    assert call(board, "suggest_merges", group_id=bob.group_id)["pairs"] == []
    assert call(board, "suggest_merges", group_id="x")["error"]["code"] == "invalid"
    assert events(board) == events(a) == events(b) == []


def test_a_rapporteur_asks_for_their_table_only_and_a_participant_not_at_all(live):
    workshop, board, (alice, a), (bob, b) = live
    keep, dup = duplicates(live)
    assert call(board, "set_rapporteur", group_id=alice.group_id, participant_id=alice.id)["ok"]
    mine = call(a, "suggest_merges", group_id=alice.group_id)
    assert mine["ok"] and [(p["keep_id"], p["merge_id"]) for p in mine["pairs"]] == [(keep["id"], dup["id"])]
    for asker, data in [
        (a, {"group_id": bob.group_id}),
        (a, {"theme_id": workshop.groups[0].theme_id}),
        (a, {}),
        (b, {"group_id": alice.group_id}),
        (b, {}),
    ]:
        ack = asker.emit("suggest_merges", data, namespace=NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden" and ack["error"]["message"], (data, ack)


def test_another_communes_facilitator_never_sees_these_pairs(app, auth, client, workshop):
    alice, token = make_participant(workshop, 0)
    a = connect(app, token=token)
    post(a, alice.group_id, text="coupures d'eau fréquentes")
    post(a, alice.group_id, text="coupure de l'eau frequente", client_id="c2")
    stranger = make_facilitator()
    theirs = make_workshop(stranger, title="ورشتهم")
    auth.login(stranger)
    refused = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": workshop.code})
    assert not refused.is_connected(NS)
    board = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": theirs.code})
    assert call(board, "suggest_merges") == {"ok": True, "pairs": []}
    assert call(board, "suggest_merges", group_id=alice.group_id)["error"]["code"] == "not_found"
