"""Scale-out: two server processes on one PostgreSQL database, joined by Redis, serve one workshop (the fixtures:
conftest.py)."""

import time
import uuid

import pytest
import requests
import socketio

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


def client_on(server, groups_seen):
    joined = requests.post(
        f"{server.url}/api/v1/workshops/{server.code}/participants", json={"consent": True}, timeout=10
    )
    assert joined.status_code == 201, joined.text
    body = joined.json()
    received = []
    sio = socketio.Client(reconnection=False)
    sio.on("event", received.append, namespace="/live")
    sio.connect(
        server.url, namespaces=["/live"], auth={"token": body["token"]}, transports=["websocket"], wait_timeout=10
    )
    group = body["groups"][len(groups_seen) % 3]["id"]
    groups_seen.append(group)
    assert sio.call("join_group", {"group_id": group}, namespace="/live", timeout=10)["ok"]
    return sio, group, received


def test_a_post_on_one_server_reaches_clients_of_the_other(two_servers):
    first, second = two_servers
    groups = []
    clients = [client_on(first, groups), client_on(second, groups), client_on(second, groups)]
    posted = []
    for n, (sio, group, _received) in enumerate(clients):
        for k in range(3):
            ack = sio.call(
                "post",
                {"client_id": str(uuid.uuid4()), "group_id": group, "kind": "problem", "text": f"إشكالية {n}-{k}"},
                namespace="/live",
                timeout=10,
            )
            assert ack["ok"], ack
            posted.append(ack["item"]["id"])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
        {e["data"]["item"]["id"] for e in r if e["type"] == "item.created"} != set(posted) for _, _, r in clients
    ):
        time.sleep(0.1)
    for sio, _group, received in clients:
        assert {e["data"]["item"]["id"] for e in received if e["type"] == "item.created"} == set(posted)
        seqs = sorted(e["seq"] for e in received)
        assert len(seqs) == len(set(seqs)) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        sio.disconnect()
    assert first.alive() and second.alive()
    assert "Traceback" not in first.log() + second.log()
