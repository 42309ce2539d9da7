"""Service tests run on SQLite and on PostgreSQL; the helpers and fixtures that several of them share."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import WorkshopEvent
from consult.services import ServiceError
from consult.services.access import Actor
from consult.services.items import post_item
from tests.conftest import make_participant, make_workshop, postgres_url, run


@pytest.fixture(params=["sqlite", "postgres"])
def database_uri(request, tmp_path):
    """Every service test runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        return postgres_url()
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def refused(code, fn, *args, **kwargs):
    """Call fn in a unit of work, expect a refusal with code, and check that no event was recorded."""
    before = db.session.scalar(select(func.count(WorkshopEvent.id)))
    with pytest.raises(ServiceError) as caught:
        run(fn, *args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert str(caught.value.message)
    assert db.session.scalar(select(func.count(WorkshopEvent.id))) == before
    return caught.value


def post(workshop, participant, text="غياب حاويات النفايات", kind="problem", client_id=None, **kw):
    kw.setdefault("group_id", participant.group_id)
    client_id = client_id or f"c-{text}-{kind}"
    item, _ = run(post_item, workshop, participant, kind=kind, text=text, client_id=client_id, **kw)
    return item


def last_event(workshop):
    return db.session.scalar(
        select(WorkshopEvent)
        .where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.stream == "public")
        .order_by(WorkshopEvent.seq.desc())
    )


@pytest.fixture
def strict(facilitator):
    """A workshop with the default phase rules (problems only in problems, and so on), in the welcome phase."""
    return make_workshop(facilitator, phase="welcome", both_kinds=False)


@pytest.fixture
def board(workshop, facilitator):
    alice, _ = make_participant(workshop, 0)
    bob, _ = make_participant(workshop, 1)
    return workshop, Actor(user=facilitator), alice, bob
