"""Consultation processes: preset steps, workshops in a process, publishing, the council's adoption, follow-up
history and documents; another commune's admin and the commune's staff change nothing."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Adoption, Document, FollowUpUpdate, Process, Recommendation, Step, Workshop
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.processes import (
    attach_workshop,
    create_process,
    delete_document,
    detach_workshop,
    follow_state,
    post_follow_up,
    publish_workshop,
    record_adoption,
    set_steps,
    store_document,
    update_process,
    withdraw_workshop,
)
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_workshop

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def uploads(app, tmp_path):
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


def refused(service, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught, unit_of_work():
        service(*args, **kwargs)
    return caught.value


def new_process(user, kind="open_commune", title="Programme de la commune ouverte") -> Process:
    with unit_of_work():
        return create_process(user, title=title, kind=kind, description="Deux ans")


def closed_workshop_with_recommendations(user, titles=("بوابة إلكترونية", "Tri des déchets")) -> Workshop:
    workshop = make_workshop(user)
    with unit_of_work():
        for title in titles:
            save_recommendation(workshop, Actor(user=user), {"theme_id": workshop.themes[0].id, "title": title})
        close_workshop(workshop, user)
    return workshop


def published(user) -> tuple[Process, Workshop, list[Recommendation]]:
    process = new_process(user)
    workshop = closed_workshop_with_recommendations(user)
    with unit_of_work():
        attach_workshop(process, workshop, user)
        publish_workshop(workshop, user)
    recs = list(db.session.scalars(select(Recommendation).where(Recommendation.workshop_id == workshop.id)))
    return process, workshop, recs


def adopt(rec, user, decision="adopted", **extra):
    with unit_of_work():
        return record_adoption(
            rec, user, session_name="Session ordinaire de mai", session_date="2024-05-06", decision=decision, **extra
        )


def test_a_pac_starts_with_the_five_phases_of_seed_000_and_an_open_commune_with_the_networks_steps(facilitator):
    pac = new_process(facilitator, kind="pac", title="Programme d'action communale 2022-2027")
    assert [s.kind for s in pac.steps] == ["diagnosis", "ranking", "projects", "drafting", "adoption"]
    assert [s.status for s in pac.steps] == ["current", "planned", "planned", "planned", "planned"]
    assert pac.slug == "programme-d-action-communale-2022-2027"
    assert pac.commune.slug  # the commune gets its public address with its first process
    network = new_process(facilitator, kind="open_commune", title="Programme d'action communale 2022-2027")
    assert [s.kind for s in network.steps] == ["workshops", "consultation", "adoption", "implementation", "evaluation"]
    assert network.slug == "programme-d-action-communale-2022-2027-2"  # never the address of another process
    assert new_process(facilitator, kind="other", title="يوم دراسي").steps == []
    assert new_process(facilitator, kind="other", title="يوم دراسي").slug.startswith("other-")
    assert refused(create_process, facilitator, title=" ", kind="pac").field == "title"
    assert refused(create_process, facilitator, title="x", kind="budget").field == "kind"


def test_steps_are_edited_reordered_and_removed(facilitator):
    process = new_process(facilitator)
    rows = [
        {"kind": s.kind, "title": s.title, "starts_on": s.starts_on, "ends_on": s.ends_on, "status": s.status}
        for s in process.steps
    ]
    rows[0].update(title="ورشة 15 أبريل", starts_on="2024-04-15", ends_on=date(2024, 4, 15), status="done")
    rows = [rows[0], rows[2], rows[1], rows[4]]  # consultation before adoption, implementation dropped... reordered
    with unit_of_work():
        set_steps(process, facilitator, rows)
    db.session.expire_all()
    steps = db.session.get(Process, process.id).steps
    assert [(s.position, s.kind) for s in steps] == [
        (0, "workshops"),
        (1, "adoption"),
        (2, "consultation"),
        (3, "evaluation"),
    ]
    assert (steps[0].display_title, steps[0].starts_on, steps[0].status) == ("ورشة 15 أبريل", date(2024, 4, 15), "done")
    assert db.session.scalar(select(db.func.count(Step.id)).where(Step.process_id == process.id)) == 4
    error = refused(
        set_steps, process, facilitator, [{"kind": "other", "starts_on": "2024-05-02", "ends_on": "2024-05-01"}]
    )
    assert error.field == "ends_on"
    assert refused(set_steps, process, facilitator, [{"kind": "other", "starts_on": "15/04/2024"}]).field == "starts_on"
    assert refused(set_steps, process, facilitator, [{"kind": "party"}]).field == "kind"
    assert refused(set_steps, process, facilitator, [{"kind": "other"}] * 21).field == "steps"
    db.session.expire_all()
    assert len(db.session.get(Process, process.id).steps) == 4  # each refusal changed nothing
    with unit_of_work():
        set_steps(process, facilitator, [])
    assert db.session.get(Process, process.id).steps == []


def test_a_workshop_is_attached_detached_and_moves_between_processes(facilitator):
    first, second = new_process(facilitator), new_process(facilitator, kind="pac", title="PAC")
    workshop = closed_workshop_with_recommendations(facilitator)
    with unit_of_work():
        attach_workshop(first, workshop, facilitator)
        publish_workshop(workshop, facilitator)
    assert workshop.process_id == first.id and workshop.published_at is not None
    with unit_of_work():
        attach_workshop(second, workshop, facilitator)
    assert [w.id for w in second.workshops] == [workshop.id]
    with unit_of_work():
        detach_workshop(workshop, facilitator)
    # Out of the process, out of the public page.
    assert (workshop.process_id, workshop.published_at) == (None, None)
    other = make_workshop(make_facilitator())
    assert refused(attach_workshop, first, other, facilitator).code == "forbidden"
    assert db.session.get(Workshop, other.id).process_id is None


def test_only_a_closed_workshop_in_a_process_is_published_and_withdrawing_takes_it_off(facilitator):
    process = new_process(facilitator)
    workshop = make_workshop(facilitator)  # open
    with unit_of_work():
        attach_workshop(process, workshop, facilitator)
    assert refused(publish_workshop, workshop, facilitator).code == "invalid"
    assert db.session.get(Workshop, workshop.id).published_at is None
    loose = closed_workshop_with_recommendations(facilitator)
    error = refused(publish_workshop, loose, facilitator)
    assert (error.code, error.field) == ("invalid", "process")
    with unit_of_work():
        close_workshop(workshop, facilitator)
        publish_workshop(workshop, facilitator)
    when = workshop.published_at
    assert when is not None
    with unit_of_work():
        publish_workshop(workshop, facilitator)  # twice: still the first publication's time
    assert workshop.published_at == when
    with unit_of_work():
        withdraw_workshop(workshop, facilitator)
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).published_at is None


def test_the_councils_decision_needs_its_text_or_reason_and_a_new_decision_keeps_the_old_in_the_history(facilitator):
    process, workshop, (rec, other) = published(facilitator)
    assert refused(adopt, rec, facilitator, decision="amended").field == "amended_text"
    assert refused(adopt, rec, facilitator, decision="amended", amended_text="  ").field == "amended_text"
    assert refused(adopt, rec, facilitator, decision="not_adopted").field == "reason"
    assert refused(adopt, rec, facilitator, decision="postponed").field == "decision"
    assert refused(record_adoption, rec, facilitator, session_name="S", session_date="", decision="adopted").field == (
        "session_date"
    )
    assert db.session.scalar(select(db.func.count(Adoption.id))) == 0
    assert db.session.scalar(select(db.func.count(FollowUpUpdate.id))) == 0
    adopt(rec, facilitator, decision="amended", amended_text="بوابة إلكترونية بالأمازيغية أيضا")
    adopt(rec, facilitator, decision="not_adopted", reason="Budget 2025 épuisé")
    db.session.expire_all()
    rec = db.session.get(Recommendation, rec.id)
    assert (rec.adoption.decision, rec.adoption.amended_text, rec.adoption.reason) == (
        "not_adopted",
        None,
        "Budget 2025 épuisé",
    )
    assert db.session.scalar(select(db.func.count(Adoption.id))) == 1
    assert [u.status for u in rec.updates] == ["amended", "not_adopted"]
    assert "بوابة إلكترونية بالأمازيغية أيضا" in rec.updates[0].note
    assert "Session ordinaire de mai (\u20662024-05-06\u2069)" in rec.updates[1].note  # the date kept left to right
    assert follow_state(rec)["status"] == "not_adopted"
    with unit_of_work():
        withdraw_workshop(workshop, facilitator)
    # Withdrawn: nothing more is recorded until it is published again.
    assert refused(adopt, other, facilitator).code == "invalid"


def test_follow_up_comes_after_adoption_and_keeps_its_dated_history_in_order(facilitator):
    process, workshop, (rec, rejected) = published(facilitator)
    error = refused(post_follow_up, rec, facilitator, status="in_progress")
    assert error.code == "invalid"
    adopt(rejected, facilitator, decision="not_adopted", reason="Hors compétence de la commune")
    assert refused(post_follow_up, rejected, facilitator, status="in_progress").code == "invalid"
    adopt(rec, facilitator)
    assert follow_state(rec)["status"] == "planned"
    with unit_of_work():
        post_follow_up(
            rec, facilitator, status="in_progress", progress=30, service="Service informatique", note="Appel d'offres"
        )
    with unit_of_work():
        post_follow_up(rec, facilitator, status="in_progress", progress="60", link="https://oulmes.ma/portail")
    with unit_of_work():
        post_follow_up(rec, facilitator, status="done", note="En ligne")
    db.session.expire_all()
    rec = db.session.get(Recommendation, rec.id)
    assert [(u.status, u.progress) for u in rec.updates] == [
        ("adopted", None),
        ("in_progress", 30),
        ("in_progress", 60),
        ("done", 100),
    ]
    assert [u.created_at for u in rec.updates] == sorted(u.created_at for u in rec.updates)
    state = follow_state(rec)
    assert (state["status"], state["progress"], state["service"]) == ("done", 100, "Service informatique")


@pytest.mark.parametrize("progress", [-1, 101, "abc", "50.5", True])
def test_progress_is_a_whole_number_from_0_to_100(facilitator, progress):
    process, workshop, (rec, _other) = published(facilitator)
    adopt(rec, facilitator)
    assert refused(post_follow_up, rec, facilitator, status="in_progress", progress=progress).field == "progress"
    assert [u.status for u in db.session.get(Recommendation, rec.id).updates] == ["adopted"]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://oulmes.ma/x.pdf", "oulmes.ma", "https://"])
def test_a_follow_up_link_is_http_or_https(facilitator, link):
    process, workshop, (rec, _other) = published(facilitator)
    adopt(rec, facilitator)
    assert refused(post_follow_up, rec, facilitator, status="in_progress", link=link).field == "link"


def test_documents_are_checked_by_their_bytes_and_size_and_stored_under_their_hash(app, facilitator, uploads):
    process = new_process(facilitator)
    with unit_of_work():
        document = store_document(
            process,
            facilitator,
            title="رأي هيئة المساواة",
            kind="iecg_opinion",
            dated="2024-05-01",
            filename="../../avis IECG.PDF",
            data=PDF,
        )
    digest = hashlib.sha256(PDF).hexdigest()
    assert (document.sha256, document.content_type, document.filename, document.size) == (
        digest,
        "application/pdf",
        "avis-iecg.pdf",
        len(PDF),
    )
    assert (uploads / digest).read_bytes() == PDF
    assert sorted(p.name for p in uploads.iterdir()) == [digest]  # no name from the uploader, no partial file left
    html = b"<!doctype html><script>alert(1)</script>"
    error = refused(
        store_document, process, facilitator, title="x", kind="other", dated=None, filename="x.pdf", data=html
    )
    assert error.field == "file"
    assert (
        refused(store_document, process, facilitator, title="x", kind="other", dated=None, filename="x", data=b"").field
        == "file"
    )
    app.config["DOCUMENT_MAX_BYTES"] = 1024
    big = PNG + b"\x00" * 1024
    assert (
        refused(
            store_document, process, facilitator, title="x", kind="other", dated=None, filename="x.png", data=big
        ).field
        == "file"
    )
    assert db.session.scalar(select(db.func.count(Document.id))) == 1
    assert sorted(p.name for p in uploads.iterdir()) == [digest]
    with unit_of_work():
        delete_document(document, facilitator)
    assert not (uploads / digest).exists()


def rows() -> dict[str, list[tuple]]:
    """Everything a process is made of, as stored."""
    tables = {
        "processes": select(Process.id, Process.title, Process.kind, Process.slug, Process.published_at),
        "steps": select(Step.id, Step.process_id, Step.position, Step.kind, Step.status),
        "workshops": select(Workshop.id, Workshop.process_id, Workshop.published_at),
        "adoptions": select(Adoption.id, Adoption.decision, Adoption.reason),
        "updates": select(FollowUpUpdate.id, FollowUpUpdate.status, FollowUpUpdate.progress),
        "documents": select(Document.id, Document.title, Document.sha256),
    }
    db.session.expire_all()
    return {
        name: [tuple(r) for r in db.session.execute(query.order_by(query.selected_columns[0]))]
        for name, query in tables.items()
    }


@pytest.mark.parametrize("who", ["admin of another commune", "staff of the commune"])
def test_another_communes_admin_and_the_communes_staff_change_nothing(facilitator, uploads, who):
    process, workshop, (rec, other) = published(facilitator)
    adopt(rec, facilitator)
    with unit_of_work():
        document = store_document(
            process, facilitator, title="Décision", kind="council_decision", dated=None, filename="d.pdf", data=PDF
        )
    loose = closed_workshop_with_recommendations(facilitator)
    intruder = (
        make_facilitator(role="admin")
        if who.startswith("admin")
        else make_facilitator(facilitator.commune, role="staff")
    )
    before = rows()
    calls = [
        (create_process, (intruder,), {"title": "x", "kind": "pac"}) if who.startswith("staff") else None,
        (
            update_process,
            (process, intruder),
            {"title": "Piraté", "kind": "other", "slug": "pirate", "published": True},
        ),
        (set_steps, (process, intruder, []), {}),
        (attach_workshop, (process, loose, intruder), {}),
        (detach_workshop, (workshop, intruder), {}),
        (withdraw_workshop, (workshop, intruder), {}),
        (publish_workshop, (loose, intruder), {}),
        (
            record_adoption,
            (other, intruder),
            {"session_name": "S", "session_date": "2024-05-06", "decision": "adopted"},
        ),
        (post_follow_up, (rec, intruder), {"status": "done"}),
        (
            store_document,
            (process, intruder),
            {"title": "x", "kind": "other", "dated": None, "filename": "x.pdf", "data": PDF},
        ),
        (delete_document, (document, intruder), {}),
    ]
    for service, args, kwargs in filter(None, calls):
        assert refused(service, *args, **kwargs).code == "forbidden", service.__name__
    assert rows() == before
    assert sorted(p.name for p in uploads.iterdir()) == [hashlib.sha256(PDF).hexdigest()]


def test_two_decisions_at_once_on_one_recommendation_make_one_adoption_and_two_history_entries(
    app, database_uri, facilitator
):
    if not database_uri.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite writes one at a time")
    process, workshop, (rec, _other) = published(facilitator)
    rec_id, user_id = rec.id, facilitator.id
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def decide(decision: str, extra: dict) -> None:
        with app.app_context():
            try:
                from consult.models import User

                user, mine = db.session.get(User, user_id), db.session.get(Recommendation, rec_id)
                assert mine.adoption is None  # both read "no decision yet" before either writes
                start.wait()
                with unit_of_work():
                    record_adoption(
                        mine, user, session_name="Session", session_date="2024-05-06", decision=decision, **extra
                    )
            except BaseException as error:  # noqa: BLE001 (reported to the test's thread)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=("adopted", {})),
        threading.Thread(target=decide, args=("not_adopted", {"reason": "Hors budget"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Adoption.id)).where(Adoption.recommendation_id == rec_id)) == 1
    statuses = [u.status for u in db.session.get(Recommendation, rec_id).updates]
    assert sorted(statuses) == ["adopted", "not_adopted"]
    assert db.session.get(Recommendation, rec_id).adoption.decision == statuses[-1]  # the later one stands
