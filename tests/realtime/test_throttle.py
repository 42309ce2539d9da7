"""Socket throttles: expensive reads per connection, posts per participant and per address and workshop."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import redis
from flask import Flask
from flask_babel import force_locale

from consult import throttle
from consult.extensions import db, limiter, socketio
from consult.realtime import counts
from consult.throttle import POSTING_FAST
from tests.conftest import build_app, make_facilitator, make_participant, make_workshop, wipe_postgres

NS = "/live"


def connect(app, **auth):
    client = socketio.test_client(app, namespace=NS, auth=auth)
    assert client.is_connected(NS)
    return client


def call(client, event, data=None):
    return client.emit(event, data or {}, namespace=NS, callback=True)


def post(client, participant, n, prefix="c"):
    data = {"client_id": f"{prefix}{n}", "group_id": participant.group_id, "kind": "problem", "text": f"n° {n}"}
    return call(client, "post", data)


@contextmanager
def own_app(database_uri: str, **settings):
    """An app with its own settings on a fresh database, left empty afterwards."""
    app = build_app(database_uri, **settings)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            wipe_postgres()
        db.create_all()
        try:
            yield app
        finally:
            counts.drain()
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                wipe_postgres()
            db.engine.dispose()


def test_a_phone_calling_state_in_a_loop_is_refused_and_others_are_not(app, workshop):
    alice, alice_token = make_participant(workshop, 0)
    _bob, bob_token = make_participant(workshop, 1)
    a, b = connect(app, token=alice_token), connect(app, token=bob_token)
    assert all(call(a, "state")["ok"] for _ in range(10))
    refused = call(a, "state")
    assert refused["ok"] is False and refused["error"]["code"] == "rate_limited" and refused["error"]["message"]
    assert call(b, "state")["ok"] is True
    assert post(a, alice, 1)["ok"] is True  # only the expensive read is limited


def test_sync_is_limited_per_connection(app, workshop):
    _alice, token = make_participant(workshop, 0)
    a = connect(app, token=token)
    assert all(call(a, "sync", {"since": 0})["ok"] for _ in range(30))
    assert call(a, "sync", {"since": 0})["error"]["code"] == "rate_limited"
    assert call(connect(app, token=token), "sync", {"since": 0})["ok"] is True  # a fresh connection, a fresh budget


def test_one_participant_posting_in_a_loop_is_stopped_at_the_door_in_their_language(app, workshop):
    app.config["RATELIMIT_POST_ADDRESS"] = "1000 per minute"  # a test posts faster than a hall: one budget at a time
    alice, token = make_participant(workshop, 0)
    a = connect(app, token=token, lang="fr")
    limit = 30  # RATELIMIT_POST_PARTICIPANT: 30 per minute, the one limit on one participant's posts
    assert all(post(a, alice, n)["ok"] for n in range(limit))
    refused = post(a, alice, limit)
    assert refused["error"]["code"] == "rate_limited"
    with force_locale("fr"):
        assert refused["error"]["message"] == str(POSTING_FAST)
    assert refused["error"]["message"] != "You are posting very fast. Wait a minute and try again."


def test_rejoining_does_not_buy_a_fresh_budget_for_one_address(database_uri):
    """18 identities from one address flooding one workshop: the address's budget for it caps them all."""
    with own_app(database_uri, RATELIMIT_POST_ADDRESS="50 per hour") as app:
        facilitator = make_facilitator()
        workshop, other = make_workshop(facilitator), make_workshop(facilitator, title="ورشة أخرى")
        flood = [(p, connect(app, token=t)) for p, t in (make_participant(workshop, 0) for _ in range(18))]
        accepted = sum(post(c, p, n)["ok"] for n in range(5) for p, c in flood)
        assert accepted == 50
        refused = post(flood[0][1], flood[0][0], 99)
        assert refused["ok"] is False and refused["error"]["code"] == "rate_limited"
        # The same address in another workshop has its own budget.
        elsewhere, token = make_participant(other, 0)
        assert post(connect(app, token=token), elsewhere, 1)["ok"] is True


def test_several_processes_count_together_in_redis(database_uri):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/1")
    bare = Flask("probe")
    bare.config["SOCKETIO_MESSAGE_QUEUE"] = url
    throttle.init_app(bare)
    assert bare.config["RATELIMIT_STORAGE_URI"] == url  # the message queue's Redis, unless told otherwise
    prefix = f"test-{uuid.uuid4().hex}"
    store = redis.Redis.from_url(url)
    try:
        with own_app(database_uri, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix) as app:
            assert type(limiter.storage).__name__ == "RedisStorage"
            workshop = make_workshop(make_facilitator())
            _p, token = make_participant(workshop, 0)
            a = connect(app, token=token)
            assert all(call(a, "state")["ok"] for _ in range(10))
            assert call(a, "state")["error"]["code"] == "rate_limited"
            assert any(prefix in key.decode() for key in store.scan_iter("*"))
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
