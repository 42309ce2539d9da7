"""The real server (`python app.py`, gevent and eventlet) with real Socket.IO clients over WebSocket on loopback."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio
import websocket

from tests.liveserver import LiveServer, create_open_workshop, facilitator_session
from tests.server.conftest import TIMEOUT, Phone, assert_clean_log, assert_gap_free, wait_until

pytestmark = pytest.mark.server

PHONES = 20


def db_events(server: LiveServer, code: str, *, as_replay: bool = False) -> list[dict]:
    """The workshop's public event log as stored, in seq order, read straight from the server's SQLite file: what was
    pushed live, or (as_replay) what a sync gives, which carries recommendations as they are now."""
    conn = sqlite3.connect(server.env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=TIMEOUT)
    try:
        rows = conn.execute(
            "SELECT e.seq, e.type, e.payload FROM workshop_events e JOIN workshops w ON w.id = e.workshop_id"
            " WHERE w.code = ? AND e.stream = 'public' ORDER BY e.seq",
            (code,),
        ).fetchall()
    finally:
        conn.close()
    events = [{"seq": seq, "type": type_, "data": json.loads(payload)} for seq, type_, payload in rows]
    if not as_replay:
        return events
    # Replays carry the recommendations as they are now (services/events.replay): the last list the log holds.
    lists = [e["data"]["recommendations"] for e in events if "recommendations" in e["data"]]
    for event in events:
        if "recommendations" in event["data"]:
            event["data"]["recommendations"] = lists[-1]
    return events


def in_parallel(jobs):
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result(timeout=TIMEOUT * 3) for f in [pool.submit(job) for job in jobs]]


@pytest.mark.parametrize("async_mode", ["gevent", "eventlet"])
def test_twenty_phones_see_the_whole_workshop_in_order(start, phones, async_mode):
    server = start(async_mode)
    crowd = [phones(server).join(n) for n in range(PHONES)]
    assert len({p.group_id for p in crowd}) == 3

    # Round 1: everyone states a problem, all at once.
    acks = in_parallel([lambda p=p, n=n: p.post("problem", f"إشكالية رقم {n}") for n, p in enumerate(crowd)])
    assert all(a["ok"] for a in acks), acks
    problems = {}  # group -> ids of its problems
    for phone, ack in zip(crowd, acks, strict=True):
        problems.setdefault(phone.group_id, []).append(ack["item"]["id"])
    posted = [*acks]

    # Round 2: everyone answers a problem of its group (someone else's when it can).
    def answer(n, phone):
        ids = problems[phone.group_id]
        return phone.post("solution", f"Solution {n}: ⵜⴰⵡⵓⵔⵉ", parent_id=ids[(n + 1) % len(ids)])

    acks = in_parallel([lambda p=p, n=n: answer(n, p) for n, p in enumerate(crowd)])
    assert all(a["ok"] and a["item"]["parent_id"] in problems[p.group_id] for a, p in zip(acks, crowd, strict=True))
    posted += acks

    # Round 3: half add a problem, half answer their own first problem.
    def third(n, phone):
        if n % 2:
            return phone.post("solution", f"حل آخر {n}", parent_id=posted[n]["item"]["id"])
        return phone.post("problem", f"Problème {n}")

    acks = in_parallel([lambda p=p, n=n: third(n, p) for n, p in enumerate(crowd)])
    assert all(a["ok"] for a in acks), acks
    posted += acks

    item_ids = {a["item"]["id"] for a in posted}
    assert len(item_ids) == 3 * PHONES
    assert wait_until(lambda: all(p.item_ids() == item_ids for p in crowd)), [len(p.item_ids()) for p in crowd]

    stored = db_events(server, server.code)
    last_seq = stored[-1]["seq"]
    assert [e["seq"] for e in stored] == list(range(1, last_seq + 1))
    assert max(a["seq"] for a in posted) == last_seq
    by_seq = {e["seq"]: e for e in stored}
    for phone in crowd:
        received = phone.received()
        seqs = [e["seq"] for e in received]
        assert_gap_free(seqs)
        assert max(seqs) == last_seq
        # Twenty joins and seats, and not one of them sent to the phones: they are the staff's business.
        assert not [e for e in received if e["type"].startswith("participant.")]
        for event in received:  # what was pushed is what was stored
            assert event == by_seq[event["seq"]]

    # A phone arriving late catches up with sync and gets exactly the stored log, as a replay gives it.
    late = phones(server)
    synced = late.call("sync", {"since": 0})
    assert synced["ok"] and not synced["more"]
    assert db_events(server, server.code) == stored  # the late phone's own join is on the staff stream
    replayed = db_events(server, server.code, as_replay=True)
    assert synced["events"] == replayed
    assert synced["seq"] == replayed[-1]["seq"]
    tail = late.call("sync", {"since": last_seq})
    assert tail["ok"] and tail["events"] == replayed[last_seq:]

    assert server.alive()
    assert_clean_log(server.log())


def expect_refusal(phone: Phone, event: str, data, code: str = "invalid") -> dict:
    ack = phone.call(event, data)
    assert isinstance(ack, dict) and ack.get("ok") is False, (event, str(data)[:100], ack)
    assert ack["error"]["code"] == code, (event, str(data)[:100], ack)
    assert ack["error"]["message"]
    return ack


def test_bad_input_is_refused_and_the_server_keeps_serving(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    witness = phones(server).join(0)
    bad = phones(server).join(0)
    group = bad.group_id
    other_group = bad.groups[1]["id"]
    good = {"client_id": "ok-1", "group_id": group, "kind": "problem", "text": "ok"}

    for payload in ("text", 42, [1, 2], True, 1.5):
        for event in ("post", "join_group", "sync", "state"):
            expect_refusal(bad, event, payload)
    for missing in ("client_id", "group_id", "kind", "text"):
        expect_refusal(bad, "post", {k: v for k, v in good.items() if k != missing})
    expect_refusal(bad, "post", {})
    expect_refusal(bad, "join_group", {})
    expect_refusal(bad, "post", {**good, "kind": "idea"})
    expect_refusal(bad, "post", {**good, "kind": ["problem"]})
    expect_refusal(bad, "post", {**good, "text": "x" * 1001})
    expect_refusal(bad, "post", {**good, "text": "x" * 200_000})  # 200 KB: under the transport's limit, over ours
    expect_refusal(bad, "post", {**good, "text": "ت" * 40_000})  # 240 KB as escaped JSON
    expect_refusal(bad, "post", {**good, "text": {"nested": "object"}})
    expect_refusal(bad, "post", {**good, "text": "   \n  "})
    expect_refusal(bad, "post", {**good, "client_id": "c" * 65})
    expect_refusal(bad, "post", {**good, "group_id": "first"})
    expect_refusal(bad, "post", {**good, "group_id": None})
    expect_refusal(bad, "post", {**good, "group_id": 99_999}, "not_found")
    expect_refusal(bad, "post", {**good, "group_id": other_group}, "forbidden")
    expect_refusal(bad, "post", {**good, "kind": "problem", "parent_id": 1})  # only a solution answers
    expect_refusal(bad, "post", {**good, "kind": "solution", "parent_id": "1"})
    expect_refusal(bad, "post", {**good, "kind": "solution", "parent_id": 99_999}, "not_found")
    for since in (-1, "0", None, True, 1.5):
        expect_refusal(bad, "sync", {"since": since})
    expect_refusal(bad, "join_group", {"group_id": 99_999}, "not_found")
    assert bad.sio.connected

    # After all that the same phone still posts normally, and its neighbour sees it.
    ack = bad.post("problem", "ما زلت هنا")
    assert ack["ok"], ack
    assert wait_until(lambda: ack["item"]["id"] in witness.item_ids(), TIMEOUT)

    # A message over the 256 KiB Engine.IO limit: the server may drop that connection, but must go on serving.
    bad.sio.emit("post", {**good, "client_id": "huge", "text": "x" * 300 * 1024}, namespace="/live")
    wait_until(lambda: not bad.sio.connected, 3)
    fresh = phones(server).join(0)
    ack = fresh.post("problem", "Toujours là")
    assert ack["ok"], ack
    assert wait_until(lambda: ack["item"]["id"] in witness.item_ids(), TIMEOUT)
    assert "huge" not in json.dumps(db_events(server, server.code))  # nothing of the oversized post was stored
    assert_gap_free([e["seq"] for e in witness.received()])

    assert server.alive()
    assert_clean_log(server.log_since(offset))


def test_connections_without_a_valid_token_are_refused(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    for auth in ({"token": "not-a-token"}, {"token": 5}, {}, {"workshop": server.code}, {"workshop": 5}, "x"):
        sio = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(server.url, namespaces=["/live"], auth=auth, transports=["websocket"], wait_timeout=TIMEOUT)
        sio.disconnect()
    phone = phones(server).join(1)
    assert phone.post("problem", "after refused connections")["ok"]
    assert server.alive()
    assert_clean_log(server.log_since(offset))


def test_posting_faster_than_a_person_types_is_rate_limited(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    phone = phones(server).join(2)

    def post(n):
        return phone.call(
            "post", {"client_id": f"rate-{n}", "group_id": phone.group_id, "kind": "problem", "text": "x"}
        )

    # RATELIMIT_POST_PARTICIPANT, 30 a minute, is the one limit; a resend before it is reached gets the stored item.
    again = post(0), post(0)
    assert again[0]["ok"] and again[1]["item"] == again[0]["item"], again
    acks = [post(n) for n in range(1, 29)]
    assert all(a["ok"] for a in acks), acks
    refused = post(29)
    assert refused["ok"] is False and refused["error"]["code"] == "rate_limited", refused
    assert server.alive()
    assert_clean_log(server.log_since(offset))


def test_raw_protocol_garbage_does_not_stop_the_server(shared_server, phones):
    """Malformed Engine.IO/Socket.IO frames: the connection may die, the server may log, but it serves on."""
    server = shared_server
    witness = phones(server).join(0)
    token = witness.token
    ws_url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    frames = ['42/live,["post",', "99", "4", '42/live,"x"', '42/elsewhere,["post",{}]', '40/live,"x"', "\x00\x01"]
    for frame in frames:
        ws = websocket.create_connection(ws_url, timeout=TIMEOUT)
        try:
            assert ws.recv().startswith("0{")  # Engine.IO open
            ws.send(f'40/live,{{"token":"{token}"}}')
            assert ws.recv().startswith("40/live,")
            ws.send(frame)
            ws.send_binary(b"\xff\x00garbage")
        except websocket.WebSocketException:
            pass  # the server hung up on the garbage: allowed
        finally:
            ws.close()
    ack = witness.post("problem", "served after garbage")
    assert ack["ok"], ack
    assert requests.get(server.url + "/", timeout=TIMEOUT).status_code == 200
    assert server.alive()


def test_a_workshop_never_receives_another_workshops_events(start, phones):
    server = start("gevent")
    facilitator = facilitator_session(server)
    code_a = server.code
    code_b = create_open_workshop(server, facilitator, "Atelier B")
    # The facilitator's board of B: session cookie + auth {workshop}.
    board = socketio.Client(reconnection=False)
    board_events: list[dict] = []
    board.on("event", board_events.append, namespace="/live")
    board.connect(
        server.url,
        namespaces=["/live"],
        auth={"workshop": code_b},
        headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in facilitator.cookies)},
        transports=["websocket"],
        wait_timeout=TIMEOUT,
    )
    try:
        side_a = [phones(server, code_a).join(n) for n in range(3)]
        side_b = [phones(server, code_b).join(n) for n in range(3)]
        groups_a = {g["id"] for g in side_a[0].groups}
        groups_b = {g["id"] for g in side_b[0].groups}
        assert not groups_a & groups_b

        # Crossing over is refused both ways, for joining and for posting.
        expect_refusal(side_a[0], "join_group", {"group_id": side_b[0].group_id}, "not_found")
        expect_refusal(side_b[0], "join_group", {"group_id": side_a[0].group_id}, "not_found")
        for phone, foreign in ((side_a[1], side_b[1].group_id), (side_b[1], side_a[1].group_id)):
            ack = phone.call("post", {"client_id": "x", "group_id": foreign, "kind": "problem", "text": "intrus"})
            assert ack["ok"] is False and ack["error"]["code"] == "not_found", ack
        problem_b = side_b[0].post("problem", "B problem")
        assert problem_b["ok"]
        ack = side_a[0].post("solution", "answer across", parent_id=problem_b["item"]["id"])
        assert ack["ok"] is False and ack["error"]["code"] == "not_found", ack

        posted = {code_a: set(), code_b: {problem_b["item"]["id"]}}
        for side, code in ((side_a, code_a), (side_b, code_b)):
            for n, phone in enumerate(side):
                ack = phone.post("problem", f"{code} {n}")
                assert ack["ok"], ack
                posted[code].add(ack["item"]["id"])
        for side, code in ((side_a, code_a), (side_b, code_b)):
            assert wait_until(lambda side=side, code=code: all(p.item_ids() == posted[code] for p in side))
        assert wait_until(
            lambda: {e["data"]["item"]["id"] for e in board_events if e["type"] == "item.created"} == posted[code_b]
        )
        # A post's broadcasts leave before its ack, and a socket delivers in order: the answer to one more call on
        # every socket comes after any stray broadcast of the other workshop would have.
        for phone in side_a + side_b:
            assert phone.call("my_votes", {})["ok"]
        assert board.call("state", {}, namespace="/live", timeout=TIMEOUT)["ok"]

        for side, code, groups in ((side_a, code_a, groups_a), (side_b, code_b, groups_b)):
            stored = db_events(server, code)
            by_seq = {e["seq"]: e for e in stored}
            for phone in side:
                received = phone.received()
                assert phone.item_ids() == posted[code]
                assert all(e["data"]["item"]["group_id"] in groups for e in received if e["type"] == "item.created")
                assert_gap_free([e["seq"] for e in received])
                assert max(e["seq"] for e in received) == stored[-1]["seq"]
                assert all(e == by_seq[e["seq"]] for e in received)
                synced = phone.call("sync", {"since": 0})
                assert synced["events"] == db_events(server, code, as_replay=True)
        stored_b = {e["seq"]: e for e in db_events(server, code_b)}
        assert board_events and all(e == stored_b[e["seq"]] for e in board_events)
        assert_gap_free([e["seq"] for e in board_events])
    finally:
        board.disconnect()
    assert server.alive()
    assert_clean_log(server.log())


def test_an_event_with_extra_arguments_is_refused(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    phone = phones(server).join(0)
    try:
        ack = phone.sio.call("post", ({"client_id": "a"}, "extra"), namespace="/live", timeout=3)
    except socketio.exceptions.TimeoutError:
        ack = None
    assert server.alive()
    assert ack is not None and ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert_clean_log(server.log_since(offset))


def test_numbers_too_big_for_the_database_are_refused_cleanly(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    phone = phones(server).join(0)
    huge = 2**70
    expect_refusal(phone, "sync", {"since": huge})
    expect_refusal(phone, "join_group", {"group_id": huge}, "not_found")
    expect_refusal(phone, "join_group", {"group_id": "9" * 30}, "not_found")
    expect_refusal(phone, "join_group", {"group_id": "²"})  # str.isdigit() is true for it, int() fails
    expect_refusal(phone, "post", {"client_id": "h", "group_id": huge, "kind": "problem", "text": "x"}, "not_found")
    expect_refusal(
        phone,
        "post",
        {"client_id": "h", "group_id": phone.group_id, "kind": "solution", "text": "x", "parent_id": huge},
        "not_found",
    )
    assert server.alive()
    assert_clean_log(server.log_since(offset))
