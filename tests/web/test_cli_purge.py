"""`flask purge` and `flask retention`: which workshops, the refusal, and nothing left in the SQLite file."""

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Commune, Participant, Support, Workshop
from consult.models.base import utcnow
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.consultation import consultation_step, open_consultation, results, support
from consult.services.processes import attach_workshop, create_process, publish_workshop
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_participant, make_workshop
from tests.services.test_privacy import NICKNAMES, finished_workshop


def participants_of(workshop) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == workshop.id))


def closed_on(facilitator, when: datetime) -> Workshop:
    workshop = make_workshop(facilitator)
    make_participant(workshop, 0, nickname="Somebody")
    with unit_of_work():
        close_workshop(workshop, facilitator)
        workshop.closed_at = when
    return workshop


def stored_bytes(database_uri: str) -> bytes:
    """The database file and its write-ahead log, as somebody who copies them off the disk would read them."""
    path = Path(database_uri.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_purge_refuses_an_open_workshop_and_changes_nothing(runner, facilitator):
    workshop, _tokens, _hashes, _ = finished_workshop(facilitator, close=False)
    result = runner.invoke(args=["purge", workshop.code])
    assert result.exit_code == 1
    assert f"{workshop.code}: Close the workshop before purging" in result.output
    assert participants_of(workshop) == 4 and db.session.get(Workshop, workshop.id).purged_at is None


def test_purge_by_code_keeps_the_report_and_leaves_no_name_in_the_file(runner, facilitator, database_uri, tmp_path):
    workshop, _tokens, hashes, _ = finished_workshop(facilitator)
    code = workshop.code
    traces = [NICKNAMES[0].encode(), b"Brahim", *(h.encode() for h in hashes)]
    db.session.remove()
    assert all(trace in stored_bytes(database_uri) for trace in traces)
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert runner.invoke(args=["export", code, "--format", "json", "--public", "-o", str(before)]).exit_code == 0
    result = runner.invoke(args=["purge", code.lower()])
    assert result.exit_code == 0, result.output
    assert result.output == f"purged {code}: 4 participants\n"
    assert runner.invoke(args=["export", code, "--format", "json", "--public", "-o", str(after)]).exit_code == 0
    assert json.loads(after.read_text()) == json.loads(before.read_text())
    assert json.loads(after.read_text())["attendance"]["participants"] == 4
    db.session.remove()
    assert [trace for trace in traces if trace in stored_bytes(database_uri)] == []
    # Purging again is harmless.
    assert runner.invoke(args=["purge", code]).output == f"purged {code}: 0 participants\n"


def test_closed_before_and_expired_pick_the_right_workshops(runner, facilitator):
    now = utcnow()
    old = closed_on(facilitator, datetime(2025, 3, 1, 10))
    recent = closed_on(facilitator, now - timedelta(days=10))
    open_one = make_workshop(facilitator)
    make_participant(open_one, 0)
    draft = make_workshop(facilitator, status="draft")
    strict = make_facilitator()  # another commune, which keeps data 30 days only
    with unit_of_work():
        db.session.get(Commune, strict.commune_id).retention_days = 30
    strict_one = closed_on(strict, now - timedelta(days=40))

    dry = runner.invoke(args=["purge", "--expired", "--dry-run"])
    assert dry.output == f"would purge {old.code}\nwould purge {strict_one.code}\n"
    assert participants_of(old) == 1

    result = runner.invoke(args=["purge", "--closed-before", "2025-03-02"])
    assert result.exit_code == 0 and result.output == f"purged {old.code}: 1 participants\n"
    result = runner.invoke(args=["purge", "--expired"])
    assert result.output == f"purged {strict_one.code}: 1 participants\n"
    assert runner.invoke(args=["purge", "--expired"]).output == "no workshop to purge\n"
    db.session.expire_all()
    assert [participants_of(w) for w in (old, recent, open_one, draft, strict_one)] == [0, 1, 1, 0, 0]
    assert db.session.get(Workshop, draft.id).purged_at is None

    assert (
        runner.invoke(args=["purge", "--closed-before", "2027-01-01"]).output
        == f"purged {recent.code}: 1 participants\n"
    )


def test_purge_needs_exactly_one_choice(runner):
    assert runner.invoke(args=["purge"]).exit_code == 2
    assert runner.invoke(args=["purge", "ABCDEF", "--expired"]).exit_code == 2
    assert "No workshop has this code" in runner.invoke(args=["purge", "ZZZZZZ"]).output


def test_retention_shows_and_sets_the_communes_period(runner, facilitator):
    name = facilitator.commune.name_fr
    assert runner.invoke(args=["retention", name]).output.endswith("kept 365 days after a workshop closes\n")
    assert runner.invoke(args=["retention", name, "180"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Commune, facilitator.commune_id).retention_days == 180
    refused = runner.invoke(args=["retention", name, "0"])
    assert refused.exit_code == 1 and "between 1 and 3650" in refused.output


def test_expired_also_erases_a_closed_consultations_hashes_and_keeps_its_counts(runner, facilitator):
    workshop = make_workshop(facilitator)
    with unit_of_work():
        process = create_process(facilitator, title="Programme", kind="open_commune")
        attach_workshop(process, workshop, facilitator)
        rec = save_recommendation(workshop, Actor(user=facilitator), {"theme_id": workshop.themes[0].id, "title": "R"})
        close_workshop(workshop, facilitator)
        publish_workshop(workshop, facilitator)
        step = consultation_step(process)
        open_consultation(step, facilitator)
        support(step, rec, browser="phone", address="10.0.0.7")
    with unit_of_work():
        step.closes_at = utcnow() - timedelta(days=1)
    assert "would purge the consultation of programme" in runner.invoke(args=["purge", "--expired", "--dry-run"]).output
    assert db.session.scalar(select(func.count(Support.id)).where(Support.browser.is_not(None))) == 1
    result = runner.invoke(args=["purge", "--expired"])
    assert "purged the consultation of programme" in result.output, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Support.id)).where(Support.browser.is_not(None))) == 0
    assert db.session.scalar(select(func.count(Support.id)).where(Support.address.is_not(None))) == 0
    assert results(step)["recommendations"][0]["supports"] == 1
    assert "consultation" not in runner.invoke(args=["purge", "--expired"]).output  # nothing left to erase
