"""CSRF switched on: every form that changes something refuses a POST without its token, or with a wrong one,
with 400 and the translated message, and changes nothing; with the page's token the same POST works."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Item, Participant, Vote, Workshop
from tests.conftest import PASSWORD, make_workshop, running_app

EXPIRED = "This form has expired. Go back, reload the page and try again."
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app(database_uri) -> Iterator[Flask]:
    """The test app of tests/conftest.py, with CSRF on as in production."""
    yield from running_app(database_uri, WTF_CSRF_ENABLED=True)


def token_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return TOKEN.search(page.get_data(as_text=True)).group(1)


def joined(app, code: str):
    """A phone that joined through the form, with its token, and sits in the first group."""
    phone = app.test_client()
    assert (
        phone.post(f"/j/{code}", data={"consent": "y", "csrf_token": token_of(phone, f"/j/{code}")}).status_code == 302
    )
    workshop = db.session.scalar(select(Workshop).where(Workshop.code == code))
    group = workshop.groups[0].id
    picked = phone.post(f"/w/{code}/group", data={"group_id": group, "csrf_token": token_of(phone, f"/w/{code}")})
    assert picked.status_code == 302
    return phone


def logged_in(app, user):
    desk = app.test_client()
    login = {"email": user.email, "password": PASSWORD, "csrf_token": token_of(desk, "/login")}
    assert desk.post("/login", data=login).status_code == 302
    return desk


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@dataclass
class Door:
    """A form: who posts it, where, what it sends, the page that carries its token, and what it changes."""

    client: object
    url: str
    data: dict
    page: str
    state: Callable[[], object]


def door(app, workshop: Workshop, facilitator, form: str) -> Door:
    """The form, with the session it needs (a phone that joined, a facilitator logged in) set up first."""
    code = workshop.code
    phone = joined(app, code) if form in ("room post", "vote", "group pick") else None
    desk = logged_in(app, facilitator) if form in FACILITATOR_FORMS else None
    item = Item(workshop_id=workshop.id, group_id=workshop.groups[0].id, kind="problem", text="غياب الإنارة")
    db.session.add(item)
    found = db.session.get(Workshop, workshop.id)
    found.status = "closed" if form == "open" else "open"  # a form that can change something
    found.phase = "prioritization" if form == "vote" else "problems"
    db.session.commit()

    def my_group() -> int | None:
        db.session.expire_all()
        return db.session.scalars(select(Participant.group_id).order_by(Participant.id.desc())).first()

    def workshop_row() -> tuple:
        db.session.expire_all()
        row = db.session.get(Workshop, workshop.id)
        return row.title, row.status, row.phase, count(Workshop)

    anonymous = app.test_client()
    return {
        "login": lambda: Door(
            anonymous,
            "/login",
            {"email": facilitator.email, "password": PASSWORD},
            "/login",
            lambda: anonymous.get("/facilitate/").status_code,
        ),  # fmt: skip
        "home code": lambda: Door(anonymous, "/", {"code": code}, "/", None),
        "join": lambda: Door(
            anonymous, f"/j/{code}", {"consent": "y", "nickname": "Amina"}, f"/j/{code}", lambda: count(Participant)
        ),  # fmt: skip
        "room post": lambda: Door(
            phone,
            f"/w/{code}",
            {"kind": "problem", "text": "نص جديد", "client_id": "c-1"},
            f"/w/{code}",
            lambda: count(Item),
        ),  # fmt: skip
        "vote": lambda: Door(
            phone,
            f"/w/{code}/vote",
            {"item_id": item.id, "client_id": "v-1", "action": "vote"},
            f"/w/{code}",
            lambda: count(Vote),
        ),  # fmt: skip
        "group pick": lambda: Door(
            phone, f"/w/{code}/group", {"group_id": workshop.groups[1].id}, f"/w/{code}", my_group
        ),  # fmt: skip
        "new workshop": lambda: Door(
            desk,
            "/facilitate/new",
            {"title": "ورشة", "language": "ar", "axes": "البيئة"},
            "/facilitate/new",
            workshop_row,
        ),  # fmt: skip
        "save workshop": lambda: Door(
            desk,
            f"/facilitate/{code}",
            {"title": "عنوان آخر", "language": "ar", "axes": "البيئة"},
            f"/facilitate/{code}",
            workshop_row,
        ),  # fmt: skip
        "close": lambda: Door(desk, f"/facilitate/{code}/close", {}, f"/facilitate/{code}", workshop_row),
        "open": lambda: Door(desk, f"/facilitate/{code}/open", {}, f"/facilitate/{code}", workshop_row),
        "phase": lambda: Door(
            desk, f"/facilitate/{code}/phase", {"phase": "prioritization"}, f"/facilitate/{code}", workshop_row
        ),  # fmt: skip
        # A logged-in desk reaches its workshops (200); logged out, it is sent to the login page (302).
        "logout": lambda: Door(desk, "/logout", {}, "/facilitate/", lambda: desk.get("/facilitate/").status_code),
    }[form]()


FACILITATOR_FORMS = ("new workshop", "save workshop", "close", "open", "phase", "logout")
FORMS = [
    "login", "home code", "join", "room post", "vote", "group pick", "new workshop", "save workshop", "close",
    "open", "phase", "logout",
]  # fmt: skip


@pytest.fixture
def world(app, facilitator):
    workshop = make_workshop(facilitator, phase="problems")
    return workshop, facilitator


def expired_message() -> str:
    with force_locale("ar"):
        message = gettext(EXPIRED)
    assert message != EXPIRED  # the Arabic catalog has it: the user reads it in their language
    return message


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
def test_a_form_without_its_token_is_refused_and_changes_nothing(app, world, form, token):
    door_ = door(app, *world, form)
    before = door_.state() if door_.state else None
    data = dict(door_.data)
    if token == "wrong":
        data["csrf_token"] = "IjAxMjM0NTY3ODkwMTIzNDU2Nzg5Ig.aaaaaa.forged"
    elif token == "another session's":
        data["csrf_token"] = token_of(app.test_client(), "/login")
    response = door_.client.post(door_.url, data=data)
    assert response.status_code == 400
    assert expired_message() in response.get_data(as_text=True)
    if door_.state:
        assert door_.state() == before


@pytest.mark.parametrize("form", FORMS)
def test_the_same_form_with_the_pages_token_goes_through(app, world, form):
    """The negative test above can fail: with the token, each form changes what it should."""
    door_ = door(app, *world, form)
    before = door_.state() if door_.state else None
    response = door_.client.post(door_.url, data={**door_.data, "csrf_token": token_of(door_.client, door_.page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if door_.state:
        assert door_.state() != before
