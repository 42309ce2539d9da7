"""Fixtures of the scale-out tests: two server processes on one PostgreSQL database, joined by Redis."""

import os

import psycopg
import pytest

from tests.conftest import POSTGRES_SKIP
from tests.liveserver import prepare_database, start_server


@pytest.fixture(scope="module")
def services():
    """(database URL, Redis URL): a fresh database beside TEST_POSTGRES_URL's, named after it so that two runs on
    two test databases of one server never drop each other's."""
    pg, redis_url = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not pg:
        pytest.skip(POSTGRES_SKIP)
    if not redis_url:
        pytest.skip("Redis tests need TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0 (CI sets it)")
    base, name = pg.rsplit("/", 1)
    database = f"{name.split('?')[0]}_scaleout"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return f"{base}/{database}", redis_url


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """What the servers' environment adds; a test module overrides this fixture to run them otherwise."""
    return {}


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, services, server_env):
    """Two `python app.py` on the database of services, for a whole test module (they take seconds to start)."""
    database_url, redis_url = services
    tmp_path = tmp_path_factory.mktemp("scaleout")
    extra = {"SOCKETIO_MESSAGE_QUEUE": redis_url, **server_env}
    prepared = prepare_database(database_url, extra)  # the migrations, on PostgreSQL
    servers = []
    try:
        for n in range(2):
            folder = tmp_path / f"s{n}"
            folder.mkdir()
            servers.append(start_server(folder, database_url=database_url, prepared=prepared))
        yield servers
    finally:
        for server in servers:
            server.stop()
