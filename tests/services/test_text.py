"""Cleaning of user input: what cannot be stored is refused with a clear message, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Item, Participant
from consult.services import ServiceError, unit_of_work
from consult.services.items import post_item
from consult.services.participants import join_workshop
from consult.services.text import choice, clean_text
from tests.conftest import make_participant

# What an Arabic phone reads (Arabic is the default language).
UNREADABLE = "يحتوي هذا النص على حرف لا يمكن قراءته. اكتبه من جديد."


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.code == "invalid"
    return caught.value


@pytest.mark.parametrize("value", ["\ud800", "ok \udfff", "\ud83d\ude00 split pair"])
def test_a_lone_surrogate_is_refused_with_a_message(app, value):
    error = refusal(lambda: clean_text(value, field="text", max_length=100))
    assert str(error.message) == UNREADABLE and error.field == "text"


def test_a_surrogate_is_never_a_valid_choice(app):
    error = refusal(lambda: choice("\ud800", ("male", "female"), field="gender"))
    assert error.field == "gender" and str(error.message)


def test_controls_and_bidi_overrides_are_removed_and_real_text_kept(app):
    assert clean_text("  بيئة\u202e\x00 نظيفة 😀 ", field="text", max_length=100) == "بيئة نظيفة 😀"
    assert clean_text("ⵜⴰⵎⴰⵣⵉⵖⵜ\r\nligne", field="text", max_length=100) == "ⵜⴰⵎⴰⵣⵉⵖⵜ\nligne"


def test_joining_with_a_surrogate_nickname_is_refused_and_stores_nothing(app, workshop):
    with pytest.raises(ServiceError) as caught, unit_of_work():
        join_workshop(workshop, consent=True, nickname="Youssef\ud800")
    assert caught.value.field == "nickname" and str(caught.value.message) == UNREADABLE
    assert db.session.scalar(select(func.count(Participant.id))) == 0


@pytest.mark.parametrize(
    ("text", "client_id", "field"),
    [("\ud800", "c1", "text"), ("نص", "\ud800", "client_id"), ("نص", "c\x00", "client_id")],
)
def test_posting_what_cannot_be_stored_is_refused_and_stores_nothing(app, workshop, text, client_id, field):
    participant, _token = make_participant(workshop, 0)
    with pytest.raises(ServiceError) as caught, unit_of_work():
        post_item(workshop, participant, group_id=participant.group_id, kind="problem", text=text, client_id=client_id)
    assert caught.value.code == "invalid" and caught.value.field == field
    assert db.session.scalar(select(func.count(Item.id))) == 0
