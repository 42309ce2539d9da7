import pytest

from consult.extensions import db, socketio
from consult.models import User
from tests.conftest import make_participant, postgres_url
from tests.realtime.test_live import NS, connect


@pytest.fixture(params=["sqlite", "postgres"])
def database_uri(request, tmp_path):
    """Every socket test runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        return postgres_url()
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def live(app, auth, client, workshop):
    """A facilitator's board and two phones in different groups, all connected, inboxes emptied."""
    alice, alice_token = make_participant(workshop, 0)
    bob, bob_token = make_participant(workshop, 1)
    auth.login(db.session.get(User, workshop.created_by_id))
    board = socketio.test_client(app, namespace=NS, flask_test_client=client, auth={"workshop": workshop.code})
    a, b = connect(app, token=alice_token), connect(app, token=bob_token)
    for c in (board, a, b):
        assert c.is_connected(NS)
        c.get_received(NS)
    return workshop, board, (alice, a), (bob, b)
