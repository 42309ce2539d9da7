import threading

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Item, WorkshopEvent
from consult.services import ServiceError, unit_of_work
from consult.services.items import post_item
from consult.services.text import ITEM_TEXT_MAX
from tests.conftest import make_facilitator, make_participant, make_workshop


def post(workshop, participant, text="غياب حاويات النفايات", kind="problem", client_id="c-1", **kw):
    kw.setdefault("group_id", participant.group_id)
    with unit_of_work():
        return post_item(workshop, participant, kind=kind, text=text, client_id=client_id, **kw)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_post_stores_item_and_records_event_with_next_seq(workshop):
    participant, _ = make_participant(workshop)
    before = workshop.last_seq
    item, created = post(workshop, participant)
    assert created
    assert item.text == "غياب حاويات النفايات" and item.kind == "problem" and item.status == "visible"
    assert item.seq == before + 1 == workshop.last_seq
    event = db.session.scalar(
        select(WorkshopEvent).where(WorkshopEvent.stream == "public", WorkshopEvent.seq == item.seq)
    )
    assert event.type == "item.created"
    assert event.payload["item"]["id"] == item.id
    assert event.payload["item"]["text"] == item.text
    assert event.actor_participant_id == participant.id


def test_solution_answers_a_problem_of_the_same_group(workshop):
    participant, _ = make_participant(workshop)
    problem, _ = post(workshop, participant)
    solution, _ = post(
        workshop, participant, text="توفير حاويات", kind="solution", client_id="c-2", parent_id=problem.id
    )
    assert solution.parent_id == problem.id


def test_same_client_id_returns_the_stored_item_and_changes_nothing(workshop):
    participant, _ = make_participant(workshop)
    first, created = post(workshop, participant, client_id="same")
    seq = workshop.last_seq
    again, created_again = post(workshop, participant, text="something else", client_id="same")
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.text == first.text
    assert workshop.last_seq == seq
    assert count(Item) == 1


def test_client_ids_belong_to_their_participant(workshop):
    alice, _ = make_participant(workshop)
    bob, _ = make_participant(workshop)
    a, _ = post(workshop, alice, client_id="x")
    b, created = post(workshop, bob, client_id="x")
    assert created and a.id != b.id


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"text": ""}, "invalid", "text"),
        ({"text": "   \n\t "}, "invalid", "text"),
        ({"text": "x" * (ITEM_TEXT_MAX + 1)}, "invalid", "text"),
        ({"text": 12}, "invalid", "text"),
        ({"text": None}, "invalid", "text"),
        ({"kind": "complaint"}, "invalid", "kind"),
        ({"kind": None}, "invalid", "kind"),
        ({"client_id": ""}, "invalid", "client_id"),
        ({"client_id": "x" * 65}, "invalid", "client_id"),
        ({"client_id": 5}, "invalid", "client_id"),
        ({"group_id": "abc"}, "invalid", "group_id"),
        ({"group_id": None}, "invalid", "group_id"),
        ({"group_id": 999999}, "not_found", None),
        ({"kind": "problem", "parent_id": 1}, "invalid", "parent_id"),
        ({"kind": "solution", "parent_id": "1"}, "invalid", "parent_id"),
        ({"kind": "solution", "parent_id": 999999}, "not_found", None),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(workshop, changes, code, field):
    participant, _ = make_participant(workshop)
    seq = workshop.last_seq
    args = {"text": "نص", "kind": "problem", "client_id": "c-9", "group_id": participant.group_id, **changes}
    with pytest.raises(ServiceError) as refused:
        post(workshop, participant, **args)
    assert refused.value.code == code
    assert refused.value.field == field
    assert str(refused.value.message)
    assert count(Item) == 0
    db.session.refresh(workshop)
    assert workshop.last_seq == seq


def test_text_at_the_limit_is_accepted(workshop):
    participant, _ = make_participant(workshop)
    item, _ = post(workshop, participant, text="ب" * ITEM_TEXT_MAX)
    assert len(item.text) == ITEM_TEXT_MAX


def test_text_is_stripped_and_bidi_overrides_removed(workshop):
    participant, _ = make_participant(workshop)
    item, _ = post(workshop, participant, text="  \u202eطريق\u202c   غير معبدة \x00\n")
    assert item.text == "طريق   غير معبدة"


def test_solution_cannot_answer_a_problem_of_another_group(workshop):
    env, _ = make_participant(workshop, 0)
    com, _ = make_participant(workshop, 1)
    problem, _ = post(workshop, env)
    with pytest.raises(ServiceError) as refused:
        post(workshop, com, kind="solution", client_id="s", parent_id=problem.id)
    assert refused.value.code == "invalid" and refused.value.field == "parent_id"


def test_solution_cannot_answer_an_item_of_another_workshop(workshop, facilitator):
    other = make_workshop(facilitator, title="أخرى")
    stranger, _ = make_participant(other)
    foreign, _ = post(other, stranger)
    participant, _ = make_participant(workshop)
    with pytest.raises(ServiceError) as refused:
        post(workshop, participant, kind="solution", client_id="s", parent_id=foreign.id)
    assert refused.value.code == "not_found"


def test_group_of_another_workshop_is_not_found(workshop, facilitator):
    other = make_workshop(facilitator, title="أخرى")
    participant, _ = make_participant(workshop)
    with pytest.raises(ServiceError) as refused:
        post(workshop, participant, group_id=other.groups[0].id)
    assert refused.value.code == "not_found"


def test_posting_in_a_group_one_has_not_joined_is_forbidden(workshop):
    participant, _ = make_participant(workshop, 0)
    with pytest.raises(ServiceError) as refused:
        post(workshop, participant, group_id=workshop.groups[1].id)
    assert refused.value.code == "forbidden"


def test_participant_of_another_workshop_cannot_post_here(workshop, facilitator):
    other = make_workshop(facilitator, title="أخرى")
    stranger, _ = make_participant(other)
    with pytest.raises(ServiceError) as refused:
        post(workshop, stranger, group_id=workshop.groups[0].id)
    assert refused.value.code == "forbidden"


def test_closed_workshop_refuses_new_posts_but_a_resend_still_answers(workshop, facilitator):
    from consult.services.workshops import close_workshop

    participant, _ = make_participant(workshop)
    item, _ = post(workshop, participant, client_id="before")
    with unit_of_work():
        close_workshop(workshop, facilitator)
    with pytest.raises(ServiceError) as refused:
        post(workshop, participant, client_id="after")
    assert refused.value.code == "closed"
    assert post(workshop, participant, client_id="before")[0].id == item.id


def test_concurrent_posts_get_gap_free_unique_seqs(app, workshop):
    participants = [make_participant(workshop, n % 3)[0] for n in range(6)]
    ids = [(p.id, p.group_id) for p in participants]
    start_seq = workshop.last_seq
    workshop_id = workshop.id
    errors = []
    barrier = threading.Barrier(len(ids))

    def worker(participant_id, group_id):
        from consult.models import Participant, Workshop

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                for n in range(8):
                    w = db.session.get(Workshop, workshop_id)
                    p = db.session.get(Participant, participant_id)
                    with unit_of_work():
                        post_item(
                            w, p, group_id=group_id, kind="problem", text=f"نص {n}", client_id=f"{participant_id}-{n}"
                        )
                    db.session.remove()
            except Exception as exc:  # reported below: a thread's failure must fail the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=pair) for pair in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.session.rollback()  # end the test's own read snapshot to see what the threads committed
    seqs = db.session.scalars(
        select(WorkshopEvent.seq)
        .where(WorkshopEvent.workshop_id == workshop_id, WorkshopEvent.stream == "public")
        .order_by(WorkshopEvent.seq)
    ).all()
    assert seqs == list(range(1, start_seq + 48 + 1))
    item_seqs = sorted(db.session.scalars(select(Item.seq)).all())
    assert len(item_seqs) == 48 and len(set(item_seqs)) == 48
    assert item_seqs[-1] == start_seq + 48


def test_concurrent_resends_of_one_client_id_store_one_item(app, workshop):
    participant, _ = make_participant(workshop)
    pid, gid, wid = participant.id, participant.group_id, workshop.id
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker():
        from consult.models import Participant, Workshop

        with app.app_context():
            try:
                barrier.wait(timeout=10)
                with unit_of_work():
                    item, _ = post_item(
                        db.session.get(Workshop, wid),
                        db.session.get(Participant, pid),
                        group_id=gid,
                        kind="problem",
                        text="مرة واحدة",
                        client_id="dup",
                    )
                    results.append(item.id)
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1
    db.session.rollback()
    assert count(Item) == 1


def test_other_facilitator_commune_is_separate(app):
    # Sanity of the factories the other tests rely on: two facilitators, two communes.
    a, b = make_facilitator(), make_facilitator()
    assert a.commune_id != b.commune_id
