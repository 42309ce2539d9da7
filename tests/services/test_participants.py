import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Participant, WorkshopEvent
from consult.models.participant import hash_token
from consult.services import ServiceError, unit_of_work
from consult.services.participants import choose_group, join_workshop, participant_by_token
from tests.conftest import make_participant, make_workshop


def join(workshop, **kw):
    kw.setdefault("consent", True)
    with unit_of_work():
        return join_workshop(workshop, **kw)


def test_join_returns_a_token_whose_hash_only_is_stored(workshop):
    participant, token = join(workshop, nickname=" فاطمة ", category="civil_society", gender="female", age_band="30_44")
    assert participant.nickname == "فاطمة"
    assert (participant.category, participant.gender, participant.age_band) == ("civil_society", "female", "30_44")
    assert participant.token_hash == hash_token(token) and token not in participant.token_hash
    assert participant_by_token(token).id == participant.id
    assert participant_by_token("not-a-token") is None
    event = db.session.scalar(select(WorkshopEvent).where(WorkshopEvent.type == "participant.joined"))
    assert event.stream == "staff"  # not sent to every phone
    # Even the staff stream carries no personal details; the counts reach the screens folded (consult/realtime).
    assert event.payload == {"participant_id": participant.id, "group_id": None}


def test_every_detail_is_optional(workshop):
    participant, _ = join(workshop)
    assert (participant.nickname, participant.category, participant.gender, participant.age_band) == (None,) * 4


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"category": "mayor"}, "category"),
        ({"gender": "x"}, "gender"),
        ({"age_band": 42}, "age_band"),
        ({"nickname": "n" * 41}, "nickname"),
        ({"nickname": ["list"]}, "nickname"),
    ],
)
def test_bad_details_are_refused_and_nobody_joins(workshop, details, field):
    with pytest.raises(ServiceError) as refused:
        join(workshop, **details)
    assert (refused.value.code, refused.value.field) == ("invalid", field)
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_a_draft_or_closed_workshop_cannot_be_joined(facilitator):
    draft = make_workshop(facilitator, status="draft")
    with pytest.raises(ServiceError) as refused:
        join(draft)
    assert refused.value.code == "closed"


def test_choosing_a_group_is_logged_for_the_staff(workshop):
    participant, _ = make_participant(workshop, group_index=None)
    public_seq = workshop.last_seq
    with unit_of_work():
        choose_group(participant, workshop.groups[2].id)
    assert participant.group_id == workshop.groups[2].id and workshop.last_seq == public_seq
    event = db.session.scalars(select(WorkshopEvent).order_by(WorkshopEvent.id.desc())).first()
    assert (event.type, event.stream, event.seq) == ("participant.group_chosen", "staff", workshop.staff_seq)
    chosen = workshop.groups[2].id
    assert event.payload == {"participant_id": participant.id, "group_id": chosen, "previous_group_id": None}


def test_a_group_of_another_workshop_cannot_be_chosen(workshop, facilitator):
    other = make_workshop(facilitator, title="أخرى")
    participant, _ = make_participant(workshop, group_index=None)
    with pytest.raises(ServiceError) as refused:
        choose_group(participant, other.groups[0].id)
    assert refused.value.code == "not_found"
    assert participant.group_id is None
