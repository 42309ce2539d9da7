"""Every /live event, as a participant, a rapporteur and a facilitator, fed hostile values with hypothesis.

Each answer is an ack {ok: true, ...} or a refusal {ok: false, error: {code, message}}; no traceback reaches the
log, the socket stays connected, and a refused call changes no row.
"""

from __future__ import annotations

import inspect
import itertools
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from consult.extensions import db, socketio
from consult.models import Item, Recommendation, Workshop
from consult.realtime.live import LiveNamespace
from consult.services.recommendations import TEXT_FIELDS
from tests.conftest import PASSWORD, make_participant
from tests.fuzz.conftest import FUZZ, HOSTILE, TALLY, deep, is_refusal, nasty, plausible, snapshot

NS = "/live"
EVENTS = sorted(name.removeprefix("on_") for name in dir(LiveNamespace) if name.startswith("on_"))
ROLES = ("participant", "rapporteur", "facilitator")
# save_recommendation hands the whole payload to the service, which reads these.
RECOMMENDATION_FIELDS = ["id", "theme_id", *TEXT_FIELDS, "priority", "deadline", "follow_up", "item_ids"]


def fields_of(event: str) -> list[str]:
    """The payload keys a handler reads, from its source: a new handler is fuzzed without editing this file."""
    source = inspect.getsource(getattr(LiveNamespace, f"on_{event}"))
    found = re.findall(r'data\.get\("(\w+)"', source)
    return sorted({*found, *(RECOMMENDATION_FIELDS if event == "save_recommendation" else [])})


@pytest.fixture(scope="module")
def facilitator_http(fuzz_app, world):
    """The facilitator's browser session, logged in once (logins are throttled per address)."""
    client = fuzz_app.test_client()
    assert client.post("/login", data={"email": world.facilitator.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def sockets(request, fuzz_app, world, facilitator_http):
    """Fresh connections for the three roles, the workshop open and in a phase where the event can succeed."""
    workshop = db.session.get(Workshop, world.workshop_id)
    event = getattr(request.node, "callspec", None) and request.node.callspec.params.get("event")
    workshop.status = "open"
    workshop.phase = "prioritization" if event in ("vote", "unvote", "my_votes") else "problems"
    world.group.rapporteur_id = world.rapporteur.id
    db.session.commit()
    clients = {
        "participant": socketio.test_client(fuzz_app, namespace=NS, auth={"token": world.participant_token}),
        "rapporteur": socketio.test_client(fuzz_app, namespace=NS, auth={"token": world.rapporteur_token}),
        "facilitator": socketio.test_client(
            fuzz_app, namespace=NS, flask_test_client=facilitator_http, auth={"workshop": world.code}
        ),
    }
    assert all(c.is_connected(NS) for c in clients.values())
    yield clients
    for client in clients.values():
        if client.is_connected(NS):
            client.disconnect(NS)


_fresh = itertools.count(1)


def template(event: str, world, role: str) -> dict:
    """A payload this event accepts in the world as it is now: one hostile field in it reaches the deep checks."""
    items = world.ids(Item)
    item, other = items[-1], items[0]
    me = world.participant if role == "participant" else world.rapporteur
    db.session.refresh(me)
    group, theme = me.group_id or world.group.id, world.group.theme_id
    post = {"client_id": f"fuzz-{next(_fresh)}", "group_id": group, "kind": "problem", "text": "نص"}
    return {
        "post": post,
        "scribe_post": {**post, "speaker_category": "citizen", "speaker_gender": "female"},
        "vote": {"item_id": item, "client_id": f"fuzz-{next(_fresh)}"},
        "unvote": {"item_id": item, "client_id": f"fuzz-{next(_fresh)}"},
        "join_group": {"group_id": group},
        "sync": {"since": 0, "stream": "public"},
        "set_phase": {"phase": "problems", "seconds": 60},
        "timer": {"action": "start", "seconds": 60},
        "hide_item": {"item_id": item, "reason": "سبب"},
        "reject_item": {"item_id": item, "reason": "سبب"},
        "edit_item": {"item_id": item, "text": "نص مصحح"},
        "pin_item": {"item_id": item, "pinned": True},
        "move_item": {"item_id": item, "group_id": world.workshop.groups[1].id},
        "merge_items": {"keep_id": other, "merge_ids": [item]},
        "set_decision": {"item_id": item, "decision": "not_retained", "reason": "سبب"},
        "set_rapporteur": {"group_id": group, "participant_id": world.rapporteur.id},
        "save_recommendation": {"theme_id": theme, "title": "توصية", "item_ids": [other]},
        "delete_recommendation": {"id": world.ids(Recommendation)[-1]},
        "reorder_recommendations": {"theme_id": theme, "ids": world.ids(Recommendation)},
    }.get(event, {name: item for name in fields_of(event) if name.endswith("item_id")})


def payloads(event: str, world, role: str) -> st.SearchStrategy:
    """A valid payload with one hostile field, an object of hostile or plausible values, or anything at all."""
    value = st.one_of(HOSTILE, plausible(world))
    fields = fields_of(event)
    as_object = (
        st.fixed_dictionaries({}, optional={name: value for name in fields})
        if fields
        else st.dictionaries(st.text(max_size=8), value, max_size=3)
    )
    valid = template(event, world, role)
    one_bad = (
        st.tuples(st.sampled_from(fields), HOSTILE, st.booleans()).map(
            lambda t: ({k: v for k, v in valid.items() if k != t[0] or t[2]} | ({t[0]: t[1]} if t[2] else {}),)
        )
        if fields
        else st.just((valid,))
    )
    return st.one_of(
        st.just((valid,)),
        one_bad,
        one_bad,
        one_bad,
        as_object.map(lambda d: (d,)),
        HOSTILE.map(lambda v: (v,)),
        st.tuples(as_object, HOSTILE),  # an extra argument
        st.just((deep(500),)),
        st.just(()),
    )


def check_answer(door: str, client, event: str, args: tuple, error_log) -> None:
    """Emit, then hold the answer to the contract and count it for the door."""
    error_log.take()
    before = snapshot()
    ack = client.emit(event, *args, namespace=NS, callback=True)
    logged = error_log.take()
    tally = TALLY[door]
    tally["inputs"] += 1
    if os.environ.get("FUZZ_DEBUG"):
        print(door, args, "->", ack if not isinstance(ack, dict) or ack.get("ok") is not False else ack["error"])
    tally["tracebacks"] += bool(logged)
    generic = isinstance(ack, dict) and any("failed" in line for line in logged)
    tally["5xx"] += generic or not (isinstance(ack, dict) or (event == "disconnect" and ack == []))
    client.get_received(NS)  # broadcasts are not under test here; keep the inbox small
    assert not logged, f"{event} {args!r} logged:\n" + "\n".join(logged)
    assert client.is_connected(NS), f"{event} {args!r} dropped the socket"
    if event == "disconnect" and ack == []:
        assert snapshot() == before  # a "disconnect" event is ignored
        return
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), f"{event} {args!r} answered {ack!r}"
    if ack["ok"] is False:
        tally["refusals"] += 1
        assert is_refusal(ack), f"{event} {args!r} refused as {ack!r}"
        assert snapshot() == before, f"{event} {args!r} was refused with {ack!r} but changed rows"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("event", EVENTS)
@FUZZ
@given(data=st.data())
def test_every_event_answers_hostile_input_with_an_ack_or_a_clean_refusal(world, sockets, error_log, event, role, data):
    args = data.draw(payloads(event, world, role), label="args")
    check_answer(f"socket {event} ({role})", sockets[role], event, args, error_log)


PHONE_EVENTS = ("post", "vote", "unvote", "join_group", "sync")


@pytest.mark.parametrize("event", [e for e in EVENTS if fields_of(e)])
def test_each_hostile_value_in_each_field_of_each_event(world, sockets, error_log, event):
    """The sweep: a valid payload with one field replaced by each hostile value in turn, by who may send it."""
    role = "participant" if event in PHONE_EVENTS else "facilitator"
    for field in fields_of(event):
        for value in nasty():
            valid = template(event, world, role)
            check_answer(f"socket {event} ({role})", sockets[role], event, ({**valid, field: value},), error_log)


def test_every_handler_is_fuzzed():
    assert {"post", "vote", "sync", "state", "connect", "disconnect", "save_recommendation"} <= set(EVENTS)
    assert fields_of("post") == ["client_id", "group_id", "kind", "parent_id", "text"]


# Regressions found by fuzzing (issue 9): each failed before its fix.

SURROGATE = "\ud800"


def _cases(world):
    item = db.session.scalars(select_items(world)).first()
    post = {"group_id": world.group.id, "kind": "problem", "text": "نص", "client_id": "x1"}
    return [
        ("participant", "post", {**post, "client_id": SURROGATE}, "client_id"),
        ("participant", "post", {**post, "text": "نص" + SURROGATE}, "text"),
        ("participant", "post", {**post, "client_id": "nul\x00"}, "client_id"),
        ("participant", "vote", {"item_id": item.id, "client_id": SURROGATE}, "client_id"),
        ("participant", "unvote", {"item_id": item.id, "client_id": SURROGATE}, "client_id"),
        ("facilitator", "scribe_post", {**post, "client_id": SURROGATE}, "client_id"),
        ("facilitator", "scribe_post", {**post, "text": SURROGATE}, "text"),
        ("facilitator", "edit_item", {"item_id": item.id, "text": SURROGATE}, "text"),
        ("facilitator", "hide_item", {"item_id": item.id, "reason": SURROGATE}, "reason"),
        (
            "facilitator",
            "set_decision",
            {"item_id": item.id, "decision": "not_retained", "reason": SURROGATE},
            "reason",
        ),
        ("facilitator", "save_recommendation", {"theme_id": world.group.theme_id, "title": SURROGATE}, "title"),
    ]


def select_items(world):
    """Visible items in no recommendation: every action may still apply to them."""
    free = ~Item.recommendations.any()
    return select(Item).where(Item.workshop_id == world.workshop_id, Item.status == "visible", free).order_by(Item.id)


def test_a_lone_surrogate_in_any_text_or_client_id_is_an_invalid_refusal(fuzz_app, world, sockets, error_log):
    _newcomer, token = make_participant(world.workshop, 0)  # no earlier post counts against its rate
    clients = {**sockets, "participant": socketio.test_client(fuzz_app, namespace=NS, auth={"token": token})}
    for role, event, payload, field in _cases(world):
        error_log.take()
        before = snapshot()
        ack = clients[role].emit(event, payload, namespace=NS, callback=True)
        assert error_log.take() == [], (event, field)
        assert is_refusal(ack) and ack["error"]["code"] == "invalid" and ack["error"]["field"] == field, (event, ack)
        assert "Something went wrong" not in ack["error"]["message"]
        assert snapshot() == before, event


def test_connect_emitted_as_an_event_is_refused_and_the_socket_keeps_its_identity(world, sockets, error_log):
    phone = sockets["participant"]
    error_log.take()
    for args in [(), ({},), ({"token": world.rapporteur_token},), ("x", {"token": world.rapporteur_token})]:
        ack = phone.emit("connect", *args, namespace=NS, callback=True)
        assert is_refusal(ack) and ack["error"]["code"] == "invalid", args
    assert error_log.take() == []
    me = phone.emit("state", namespace=NS, callback=True)["me"]
    assert me["id"] == world.participant.id


def test_disconnect_emitted_as_an_event_is_ignored(world, sockets, error_log):
    phone = sockets["participant"]
    error_log.take()
    phone.emit("disconnect", "client disconnect", namespace=NS, callback=True)
    assert phone.is_connected(NS) and error_log.take() == []
    assert phone.emit("sync", {"since": 0}, namespace=NS, callback=True)["ok"] is True


@pytest.mark.parametrize("event", ["state", "post", "connect", "no_such_event"])
def test_a_payload_nested_100000_deep_is_refused_or_dropped_without_a_traceback(sockets, error_log, event):
    """The wire, not the test client's encoder (which cannot write such a payload): the raw Socket.IO packet."""
    phone = sockets["participant"]
    error_log.take()
    before = snapshot()
    phone.callback_counter += 1
    packet = f'2{NS},{phone.callback_counter}["{event}",' + "[" * 100_000 + "]" * 100_000 + "]"
    socketio.server._handle_eio_message(phone.eio_sid, packet)
    ack = phone.acks["args"] if phone.acks else None
    phone.acks = None
    assert error_log.take() == []
    if event == "no_such_event":
        assert ack in (None, [])  # dropped: no handler is named
    else:
        assert ack and is_refusal(ack[0]) and ack[0]["error"]["code"] == "invalid"
    assert phone.is_connected(NS) and snapshot() == before
