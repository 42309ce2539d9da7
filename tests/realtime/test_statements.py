"""How many SQL statements the live core runs per post, join, join_group reply and vote, on SQLite and PostgreSQL.

A post is the hottest path of a workshop: its handler, the item.created payload, the ack and the broadcast run once
per post. Lazy loads of a new item's empty collections once made it 15 statements; the budget is 8.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event

from consult.extensions import db
from consult.services import unit_of_work
from tests.conftest import make_participant
from tests.realtime.test_live import NS, connect, events, post

POST_BUDGET = 8


@contextmanager
def counted():
    """The statements this thread runs inside the block: the staff's counts are read by a background task, whose
    statements are not the handler's."""
    me = threading.get_ident()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == me:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_post_runs_at_most_eight_statements(live):
    workshop, board, (alice, a), (bob, b) = live
    assert post(a, alice.group_id, client_id="warm")["ok"]  # the first post of a connection warms nothing up
    for c in (board, a, b):
        c.get_received(NS)
    group_id = alice.group_id
    with counted() as statements:
        ack = post(a, group_id, client_id="counted", text="مشكل في الطريق")
    assert ack["ok"] and ack["item"]["votes"] == 0 and ack["item"]["merged_ids"] == []
    [ev] = events(b)
    assert ev["data"]["item"] == ack["item"]
    assert len(statements) <= POST_BUDGET, "\n".join(statements)


def test_a_solution_answering_a_problem_stays_within_the_budget(live):
    workshop, board, (alice, a), (bob, b) = live
    group_id = alice.group_id
    problem = post(a, group_id, client_id="p")["item"]
    with counted() as statements:
        ack = post(a, group_id, client_id="s", kind="solution", text="حل", parent_id=problem["id"])
    assert ack["ok"] and ack["item"]["parent_id"] == problem["id"]
    assert len(statements) <= POST_BUDGET, "\n".join(statements)


def test_join_group_reply_does_not_grow_with_the_items(app, live):
    workshop, board, (alice, a), (bob, b) = live
    for n in range(3):
        assert post(a, alice.group_id, client_id=f"few{n}", text=f"بند {n}")["ok"]
    group_id = alice.group_id
    _, token = make_participant(workshop, None)
    phone = connect(app, token=token)
    with counted() as few:
        reply = phone.emit("join_group", {"group_id": group_id}, namespace=NS, callback=True)
    assert reply["ok"] and len(reply["items"]) == 3
    for n in range(12):
        assert post(a, alice.group_id, client_id=f"many{n}", text=f"بند آخر {n}")["ok"]
    _, token = make_participant(workshop, None)
    other = connect(app, token=token)
    with counted() as many:
        reply = other.emit("join_group", {"group_id": group_id}, namespace=NS, callback=True)
    assert reply["ok"] and len(reply["items"]) == 15
    assert len(many) == len(few), "\n".join(many)
    # Taking the seat (the group, the event; the counts are read once for many seats) and then the items: votes, rows,
    # three collections.
    assert len(many) <= 11, "\n".join(many)


def test_a_vote_runs_a_bounded_number_of_statements(live):
    workshop, board, (alice, a), (bob, b) = live
    item = post(a, alice.group_id, client_id="v")["item"]
    with unit_of_work():
        workshop.phase = "prioritization"  # directly, as the factories do: no event to count
    b.get_received(NS)
    with counted() as statements:
        ack = b.emit("vote", {"item_id": item["id"], "client_id": "vote1"}, namespace=NS, callback=True)
    assert ack["ok"]
    # The dot, the budget, the item's and the room's totals, the event, and the phone's own dots left.
    assert len(statements) <= 12, "\n".join(statements)


def test_joining_runs_at_most_six_statements(app, workshop):
    """The first knock of a hall scanning the QR code at once: no count of everybody per join."""
    client, url = app.test_client(), f"/api/v1/workshops/{workshop.code}/participants"
    with counted() as statements:
        response = client.post(url, json={"consent": True})
    assert response.status_code == 201 and response.get_json()["token"]
    # The workshop read once under the lock (twice on PostgreSQL, whose lock is a second read), the participant, the
    # staff log's seq and event, the groups to choose from.
    assert len(statements) <= 6, "\n".join(statements)
