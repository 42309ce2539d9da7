"""Fixtures: an app on a fresh database, factories for communes, facilitators, workshops and participants.

The database is a SQLite file by default. Tests under services/ and realtime/ run on PostgreSQL as well when
TEST_POSTGRES_URL is set (CI sets it); without it those runs are skipped with that reason.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from config import TestingConfig, database_url
from consult import create_app
from consult.extensions import db
from consult.models import Commune, Participant, User, Workshop
from consult.realtime import counts
from consult.services import unit_of_work
from consult.services.participants import choose_group, join_workshop
from consult.services.workshops import create_workshop, open_workshop, update_settings

POSTGRES_SKIP = "PostgreSQL tests need TEST_POSTGRES_URL, e.g. postgresql://postgres@127.0.0.1:5432/test (CI sets it)"
PASSWORD = "correct horse battery"
_emails = itertools.count(1)


def postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip(POSTGRES_SKIP)
    return url


@pytest.fixture(scope="session")
def prepared_db(tmp_path_factory):
    """The schema and the demo in a SQLite file, made once (flask db upgrade + flask demo take ~4 s): each real server
    of the server and browser tests starts on its own copy (tests/liveserver.clone_sqlite)."""
    from tests.liveserver import prepare_database

    folder = tmp_path_factory.mktemp("template")
    return prepare_database(f"sqlite:///{folder / 'template.sqlite'}")


@pytest.fixture
def database_uri(tmp_path) -> str:
    # A file, not :memory:, so that WAL, BEGIN IMMEDIATE and several connections behave as in production.
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def build_app(uri: str, **settings) -> Flask:
    config = type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url(uri), **settings})
    return create_app(config)


def wipe_postgres() -> None:
    """Start from an empty schema, whatever an earlier (perhaps interrupted) run left there."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture
def app(database_uri) -> Iterator[Flask]:
    yield from running_app(database_uri)


def running_app(database_uri: str, **settings) -> Iterator[Flask]:
    """An app on an empty schema, its context pushed for the test, and the schema dropped after."""
    app = build_app(database_uri, **settings)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            wipe_postgres()
        db.create_all()
    ctx = app.app_context()
    ctx.push()
    yield app
    counts.drain()  # a join's folded counts are read from this database: let the read end before it goes
    db.session.remove()
    ctx.pop()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            wipe_postgres()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def run(fn, *args, **kwargs):
    """fn(*args, **kwargs) in one unit of work, as a request runs a service: committed, its broadcasts sent."""
    with unit_of_work():
        return fn(*args, **kwargs)


def make_facilitator(commune: Commune | None = None, role: str = "facilitator") -> User:
    if commune is None:
        commune = Commune(name_ar="جماعة الاختبار", name_fr=f"Commune {next(_emails)}")
        db.session.add(commune)
    user = User(commune=commune, email=f"user{next(_emails)}@example.ma", name="Facilitator", role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_workshop(
    user: User,
    *,
    status: str = "open",
    title: str = "ورشة",
    language: str = "ar",
    phase: str = "problems",
    both_kinds: bool = True,
) -> Workshop:
    """A workshop in the given phase; by default problems and solutions may both be posted (as in the demo)."""
    with unit_of_work():
        workshop = create_workshop(user, title=title, language=language)
        db.session.flush()
        if both_kinds:
            update_settings(workshop, user, phase_actions={"problems": ["problem", "solution"]})
        workshop.phase = phase  # directly: a factory, not a facilitator, and no event to count
        if status != "draft":
            open_workshop(workshop, user)
    return workshop


def make_participant(workshop: Workshop, group_index: int | None = 0, **details) -> tuple[Participant, str]:
    with unit_of_work():
        participant, token = join_workshop(workshop, consent=True, **details)
        if group_index is not None:
            choose_group(participant, workshop.groups[group_index].id)
    return participant, token


@pytest.fixture
def facilitator(app) -> User:
    return make_facilitator()


@pytest.fixture
def workshop(facilitator) -> Workshop:
    return make_workshop(facilitator)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)
