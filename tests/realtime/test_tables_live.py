"""Tables over /live: join_theme seats a phone at the least-full table; moves and moderation keep to their roles."""

import pytest

from consult.extensions import db
from consult.models import Participant, User, Workshop
from consult.realtime import counts
from consult.services import unit_of_work
from consult.services.workshops import update_settings
from tests.conftest import make_participant
from tests.realtime.test_facilitation_live import call
from tests.realtime.test_live import NS, connect, counts_until, events, post


@pytest.fixture
def tables(live):
    """The live fixture's workshop with two tables per axis; Alice and Bob sit at tables 1 of two axes."""
    workshop, board, (alice, a), (bob, b) = live
    with unit_of_work():
        update_settings(workshop, db.session.get(User, workshop.created_by_id), tables_per_axis=2)
    for c in (board, a, b):
        c.get_received(NS)
    return live


def phone(app, workshop):
    participant, token = make_participant(workshop, None)
    client = connect(app, token=token)
    assert client.is_connected(NS)
    client.get_received(NS)
    return participant, client


def test_join_theme_seats_at_the_least_full_table_and_returns_its_items(app, tables):
    workshop, board, (alice, a), (bob, b) = tables
    theme = workshop.themes[0]
    first, second = theme.groups
    assert alice.group_id == first.id
    post(a, first.id, text="الأزبال في السوق")
    carol, c = phone(app, workshop)
    ack = call(c, "join_theme", theme_id=theme.id)
    assert ack["ok"] is True and ack["group_id"] == second.id and ack["items"] == []
    assert ack["seq"] == db.session.get(Workshop, workshop.id).last_seq
    dina, d = phone(app, workshop)
    ack = call(d, "join_theme", theme_id=theme.id)
    assert ack["group_id"] == first.id and [i["text"] for i in ack["items"]] == ["الأزبال في السوق"]
    # The staff's screens get the counts per table; the phones hear nothing of who sat where.
    seen = counts_until(board, lambda counts: counts["by_group"].get(str(first.id)) == 2)
    assert seen[-1]["by_group"] == {str(first.id): 2, str(second.id): 1, str(bob.group_id): 1}
    assert seen[-1]["participants"] == 4
    assert not [e for e in events(a) + events(b) if e["type"].startswith("participant.")]
    # Asking again keeps the seat.
    assert call(d, "join_theme", theme_id=theme.id)["group_id"] == first.id


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "invalid"),
        ({"theme_id": "x"}, "invalid"),
        ({"theme_id": 10**6}, "not_found"),
        ({"theme_id": -1}, "not_found"),
    ],
)
def test_join_theme_refuses_a_bad_axis(app, tables, data, code):
    workshop = tables[0]
    _p, c = phone(app, workshop)
    ack = c.emit("join_theme", data, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]


def test_join_theme_is_for_participants(tables):
    workshop, board, _a, _b = tables
    ack = call(board, "join_theme", theme_id=workshop.themes[0].id)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_join_group_still_seats_at_a_chosen_table(tables):
    workshop, board, (alice, a), (bob, b) = tables
    second = workshop.themes[0].groups[1]
    ack = call(b, "join_group", group_id=second.id)
    assert ack["ok"] and ack["group_id"] == second.id
    assert db.session.get(Participant, bob.id).group_id == second.id


def test_the_facilitator_moves_a_participant_and_the_phone_hears_it(tables):
    workshop, board, (alice, a), (bob, b) = tables
    second = workshop.themes[0].groups[1]
    ack = call(board, "move_participant", participant_id=alice.id, group_id=second.id)
    assert ack == {"ok": True, "seq": ack["seq"], "participant_id": alice.id, "group_id": second.id}
    [moved] = [e for e in events(a) if e["type"] == "participant.group_chosen"]
    assert moved["data"]["participant_id"] == alice.id and moved["data"]["group_id"] == second.id
    # A participant, even a rapporteur, moves nobody.
    assert call(board, "set_rapporteur", group_id=second.id, participant_id=alice.id)["ok"]
    refused = call(a, "move_participant", participant_id=bob.id, group_id=second.id)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert db.session.get(Participant, bob.id).group_id != second.id


def test_a_tables_rapporteur_moderates_that_table_only(app, tables):
    workshop, board, (alice, a), (bob, b) = tables
    first, second = workshop.themes[0].groups
    carol, c = phone(app, workshop)
    assert call(c, "join_theme", theme_id=workshop.themes[0].id)["group_id"] == second.id
    mine = post(a, first.id, text="مشكل الماء")["item"]
    theirs = post(c, second.id, text="مشكل الطرق")["item"]
    assert call(board, "set_rapporteur", group_id=first.id, participant_id=alice.id)["ok"]
    assert call(a, "pin_item", item_id=mine["id"], pinned=True)["ok"]
    for event, data in [
        ("pin_item", {"item_id": theirs["id"], "pinned": True}),
        ("hide_item", {"item_id": theirs["id"]}),
        ("edit_item", {"item_id": theirs["id"], "text": "تصحيح"}),
        ("suggest_merges", {"group_id": second.id}),
        ("suggest_merges", {"theme_id": workshop.themes[0].id}),
    ]:
        ack = a.emit(event, data, namespace=NS, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (event, ack)
    # The facilitator moderates every table.
    assert call(board, "hide_item", item_id=theirs["id"])["ok"]


def test_a_join_storm_reaches_the_staff_as_folded_counts(app, live, monkeypatch):
    """A hall scanning the QR code at once: at most two count messages a second, the last one right."""
    workshop, board, (alice, a), (bob, b) = live
    monkeypatch.setattr(counts, "interval", 3600)  # whatever the machine's speed, the 30 joins come within one
    for _ in range(30):
        make_participant(workshop, 0)
    counts.drain()  # the interval's end, now
    seen = counts_until(board, lambda counts: counts["participants"] == 32)
    assert seen[-1]["participants"] == 32 and seen[-1]["by_group"][str(alice.group_id)] == 31
    assert len(seen) <= 2  # folded: the first join's at once if the last send is old, the others' in one
    assert events(a) == [] and events(b) == []
