"""Tables within each axis: settings, seating at the least-full table, opening by size, moves, removal, rapporteurs."""

import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Group, Participant, Workshop, WorkshopEvent
from consult.payloads import participation_counts
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.items import post_item
from consult.services.moderation import hide_item, move_item, restore_item, set_rapporteur
from consult.services.participants import join_workshop
from consult.services.tables import move_participant, seat_participant
from consult.services.workshops import update_settings, update_workshop
from tests.conftest import make_participant, postgres_url


def set_tables(workshop, user, **settings):
    with unit_of_work():
        update_settings(workshop, user, **settings)


def newcomer(workshop) -> Participant:
    return make_participant(workshop, None)[0]


def seat(participant, theme) -> Group:
    with unit_of_work():
        return seat_participant(participant, theme.id)


def sizes(theme) -> list[int]:
    return [
        db.session.scalar(select(func.count(Participant.id)).where(Participant.group_id == table.id))
        for table in theme.groups
    ]


def test_tables_per_axis_makes_numbered_tables_named_in_every_language(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=3)
    assert [len(t.groups) for t in workshop.themes] == [3, 3, 3]
    # Positions follow the axes, then the tables: every screen lists them in this order.
    assert [g.position for g in workshop.groups] == list(range(9))
    assert [g.theme.position for g in workshop.groups] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    third = workshop.themes[0].groups[2]
    assert third.table_number == 3
    with force_locale("fr"):
        assert third.table_name_in("fr").endswith("3")
    assert third.name_in("fr").startswith("Environnement") or third.name_in("fr").startswith("Environment")
    assert third.name_in("ar").startswith(workshop.themes[0].name)
    # A new axis gets as many tables as the others.
    with unit_of_work():
        update_workshop(
            workshop,
            facilitator,
            title=workshop.title,
            workshop_date=None,
            venue=None,
            language="ar",
            axes=[t.name for t in workshop.themes] + ["الصحة"],
            principles=[],
        )
    assert [len(t.groups) for t in workshop.themes] == [3, 3, 3, 3]
    assert [g.position for g in workshop.groups] == list(range(12))


def test_one_table_per_axis_is_named_after_its_axis(workshop):
    group = workshop.groups[0]
    assert group.name_in("ar") == workshop.themes[0].name
    assert not group.is_table


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"tables_per_axis": 0}, "tables_per_axis"),
        ({"tables_per_axis": 21}, "tables_per_axis"),
        ({"tables_per_axis": "2"}, "tables_per_axis"),
        ({"tables_per_axis": True}, "tables_per_axis"),
        ({"table_size": 1}, "table_size"),
        ({"table_size": -3}, "table_size"),
        ({"table_size": 201}, "table_size"),
        ({"table_size": 2.5}, "table_size"),
    ],
)
def test_table_settings_are_checked(workshop, facilitator, settings, field):
    with pytest.raises(ServiceError) as caught:
        set_tables(workshop, facilitator, **settings)
    assert caught.value.code == "invalid" and caught.value.field == field
    assert len(workshop.groups) == 3


def test_a_participant_is_seated_at_the_least_full_table_of_the_axis(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=3)
    theme = workshop.themes[1]
    seated = [seat(newcomer(workshop), theme) for _ in range(7)]
    # Ties go to the first table: 1, 2, 3, 1, 2, 3, 1.
    numbers = [g.table_number for g in seated]
    assert numbers == [1, 2, 3, 1, 2, 3, 1]
    assert all(g.theme_id == theme.id for g in seated)
    assert sizes(theme) == [3, 2, 2]
    # Asking again changes nothing: the phone is not moved around.
    again = seated[0]
    someone = db.session.scalars(select(Participant).where(Participant.group_id == again.id)).first()
    before = workshop.last_seq
    assert seat(someone, theme).id == again.id
    assert workshop.last_seq == before


def test_seating_records_the_choice(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=2)
    participant = newcomer(workshop)
    public_seq = workshop.last_seq
    table = seat(participant, workshop.themes[0])
    # Who sits where is the staff's business: a join storm sends nothing to the phones.
    assert workshop.last_seq == public_seq
    event = db.session.scalars(select(WorkshopEvent).order_by(WorkshopEvent.id.desc())).first()
    assert event.type == "participant.group_chosen" and event.stream == "staff"
    assert event.payload == {"participant_id": participant.id, "group_id": table.id, "previous_group_id": None}
    assert participation_counts(workshop)["by_group"] == {str(table.id): 1}


def test_a_full_axis_opens_a_new_table_at_table_size(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=2, table_size=2)
    theme = workshop.themes[0]
    for _ in range(4):
        seat(newcomer(workshop), theme)
    assert sizes(theme) == [2, 2]
    fifth = seat(newcomer(workshop), theme)
    assert len(theme.groups) == 3 and fifth.table_number == 3
    assert sizes(theme) == [2, 2, 1]
    # The new table is announced before anybody is seated at it: screens know it when the seat arrives.
    events = db.session.scalars(select(WorkshopEvent).order_by(WorkshopEvent.id.desc()).limit(2))
    assert [(e.type, e.stream) for e in events] == [
        ("participant.group_chosen", "staff"),
        ("workshop.updated", "public"),
    ]
    # Other axes keep their tables, and positions stay in order.
    assert [len(t.groups) for t in workshop.themes] == [3, 2, 2]
    assert [g.position for g in workshop.groups] == list(range(7))
    # Off (0): the least-full table takes everyone.
    set_tables(workshop, facilitator, table_size=0)
    for _ in range(3):
        seat(newcomer(workshop), theme)
    assert len(theme.groups) == 3 and sorted(sizes(theme)) == [2, 3, 3]


def test_the_facilitator_moves_a_participant_and_only_the_facilitator(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=2)
    theme = workshop.themes[0]
    alice, bob = newcomer(workshop), newcomer(workshop)
    first = seat(alice, theme)
    seat(bob, theme)
    second = theme.groups[1]
    public_seq = workshop.last_seq
    with unit_of_work():
        move_participant(workshop, Actor(user=facilitator), alice.id, second.id)
    assert alice.group_id == second.id
    # The move is public: alice's phone learns its new table from it.
    moved = db.session.scalars(select(WorkshopEvent).order_by(WorkshopEvent.id.desc())).first()
    assert (moved.type, moved.stream, moved.seq) == ("participant.group_chosen", "public", public_seq + 1)
    assert moved.actor_user_id == facilitator.id and moved.payload["participant_id"] == alice.id
    assert sizes(theme) == [0, 2]
    assert moved.payload["counts"]["by_group"] == {str(second.id): 2}  # the phones' counts follow the move
    with pytest.raises(ServiceError) as caught, unit_of_work():
        move_participant(workshop, Actor(participant=bob), alice.id, first.id)
    assert caught.value.code == "forbidden"
    with pytest.raises(ServiceError) as caught, unit_of_work():
        move_participant(workshop, Actor(user=facilitator), alice.id, 10**6)
    assert caught.value.code == "not_found"
    assert db.session.get(Participant, alice.id).group_id == second.id


def test_removing_tables_is_refused_while_they_hold_people_or_items(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=3)
    theme = workshop.themes[0]
    third = theme.groups[2]
    alice = newcomer(workshop)
    with unit_of_work():
        move_participant(workshop, Actor(user=facilitator), alice.id, third.id)
    with pytest.raises(ServiceError) as caught:
        set_tables(workshop, facilitator, tables_per_axis=2)
    assert caught.value.code == "invalid" and caught.value.field == "tables_per_axis"
    db.session.expire_all()
    assert [len(t.groups) for t in workshop.themes] == [3, 3, 3]
    # An item, even hidden, keeps the table too.
    with unit_of_work():
        item, _ = post_item(workshop, alice, group_id=third.id, kind="problem", text="مشكل", client_id="c1")
        hide_item(workshop, Actor(user=facilitator), item.id, None)
        move_participant(workshop, Actor(user=facilitator), alice.id, theme.groups[0].id)
    with pytest.raises(ServiceError):
        set_tables(workshop, facilitator, tables_per_axis=2)
    db.session.expire_all()
    assert len(workshop.themes[0].groups) == 3
    # Once the item is back on the first table, the empty third tables go.
    with unit_of_work():
        restore_item(workshop, Actor(user=facilitator), item.id)
        move_item(workshop, Actor(user=facilitator), item.id, theme.groups[0].id)
    set_tables(workshop, facilitator, tables_per_axis=2)
    assert [len(t.groups) for t in workshop.themes] == [2, 2, 2]
    assert db.session.get(Participant, alice.id).group_id == theme.groups[0].id


def test_each_table_has_its_own_rapporteur(workshop, facilitator):
    set_tables(workshop, facilitator, tables_per_axis=2)
    theme = workshop.themes[0]
    first, second = theme.groups
    ali, sara = newcomer(workshop), newcomer(workshop)
    seat(ali, theme)
    seat(sara, theme)
    assert (ali.group_id, sara.group_id) == (first.id, second.id)
    with unit_of_work():
        set_rapporteur(workshop, Actor(user=facilitator), first.id, ali.id)
        set_rapporteur(workshop, Actor(user=facilitator), second.id, sara.id)
        mine, _ = post_item(workshop, ali, group_id=first.id, kind="problem", text="الأزبال", client_id="a1")
        theirs, _ = post_item(workshop, sara, group_id=second.id, kind="problem", text="الماء", client_id="s1")
    # Ali moderates table 1, not table 2 of the same axis.
    with unit_of_work():
        hide_item(workshop, Actor(participant=ali), mine.id, None)
    with pytest.raises(ServiceError) as caught, unit_of_work():
        hide_item(workshop, Actor(participant=ali), theirs.id, None)
    assert caught.value.code == "forbidden"
    with unit_of_work():
        hide_item(workshop, Actor(participant=sara), theirs.id, None)


def test_seating_refuses_another_workshops_axis_and_a_closed_workshop(workshop, facilitator):
    from tests.conftest import make_workshop

    other = make_workshop(facilitator)
    participant = newcomer(workshop)
    with pytest.raises(ServiceError) as caught, unit_of_work():
        seat_participant(participant, other.themes[0].id)
    assert caught.value.code == "not_found"
    with pytest.raises(ServiceError) as caught, unit_of_work():
        seat_participant(participant, "environment")
    assert caught.value.code == "invalid"
    workshop.status = "closed"
    db.session.commit()
    with pytest.raises(ServiceError) as caught, unit_of_work():
        seat_participant(participant, workshop.themes[0].id)
    assert caught.value.code == "closed"


# A real race needs row locks and several connections: PostgreSQL only.
RACERS = 40


@pytest.fixture
def postgres_only(database_uri):
    if not database_uri.startswith("postgresql"):
        pytest.skip("the seating race is about PostgreSQL's row locks")
    return postgres_url()


def test_forty_people_seated_at_once_spread_evenly_over_four_tables(app, workshop, facilitator, postgres_only):
    set_tables(workshop, facilitator, tables_per_axis=4)
    theme_id, workshop_id = workshop.themes[2].id, workshop.id
    ids = []
    with unit_of_work():
        for _ in range(RACERS):
            ids.append(join_workshop(workshop, consent=True)[0].id)
    start = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def sit(participant_id: int) -> None:
        with app.app_context():
            try:
                start.wait()  # before any query: the pool lends fewer connections than there are threads
                participant = db.session.get(Participant, participant_id)
                with unit_of_work():
                    seat_participant(participant, theme_id)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sit, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    db.session.expire_all()
    workshop = db.session.get(Workshop, workshop_id)
    theme = next(t for t in workshop.themes if t.id == theme_id)
    counts = sizes(theme)
    assert sum(counts) == RACERS and max(counts) - min(counts) <= 1, counts
    for stream in WorkshopEvent.STREAMS:  # each stream numbered 1, 2, 3... with no gap and no repeat
        seqs = db.session.scalars(
            select(WorkshopEvent.seq).where(WorkshopEvent.workshop_id == workshop_id, WorkshopEvent.stream == stream)
        ).all()
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), stream
