"""The consultation on the draft: supports, comments, moderation, answers and the figures, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment, FollowUpUpdate, Support
from consult.models.base import utcnow
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.consultation import (
    close_consultation,
    consultation_status,
    consultation_step,
    current_text,
    draft,
    moderate_comment,
    next_unanswered,
    open_consultation,
    post_comment,
    purge_consultation,
    queue_of,
    respond,
    results,
    support,
    supported_by,
    unanswered,
    withdraw_support,
)
from consult.services.processes import attach_workshop, create_process, publish_workshop
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_workshop


@pytest.fixture
def process(facilitator, workshop):
    with unit_of_work():
        me = Actor(user=facilitator)
        for title in ("حاويات أكثر في السوق", "Wi-Fi à la maison des jeunes"):
            save_recommendation(workshop, me, {"theme_id": workshop.themes[0].id, "title": title})
        process = create_process(facilitator, title="Programme", kind="open_commune")
        close_workshop(workshop, facilitator)
        attach_workshop(process, workshop, facilitator)
        publish_workshop(workshop, facilitator)
    return process


@pytest.fixture
def step(process, facilitator):
    step = consultation_step(process)
    with unit_of_work():
        open_consultation(step, facilitator)
    return step


def refused(code, fn, *args, **kwargs):
    with pytest.raises(ServiceError) as caught, unit_of_work():
        fn(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def comment(step, text="Il faut aussi vider les bacs", **kwargs):
    with unit_of_work():
        kwargs.setdefault("recommendation", draft(step.process)[0])
        return post_comment(step, text=text, consent=True, browser="b1", address="10.0.0.1", **kwargs)


def test_an_open_commune_process_puts_its_workshops_recommendations_to_the_public(process, step):
    assert process.steps[1].kind == "consultation" and step is process.steps[1]
    assert [r.title for r in draft(process)] == ["حاويات أكثر في السوق", "Wi-Fi à la maison des jeunes"]
    assert consultation_status(step) == "open"
    assert step.closes_at - step.opens_at == timedelta(days=30)


def test_a_closing_day_keeps_the_consultation_open_to_its_last_minute_in_morocco(process, facilitator):
    step = consultation_step(process)
    refused("invalid", open_consultation, step, facilitator, closes_on=utcnow().date() - timedelta(days=1))
    assert step.opens_at is None
    day = utcnow().date() + timedelta(days=14)
    with unit_of_work():
        open_consultation(step, facilitator, closes_on=day)
    closing = step.closes_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Africa/Casablanca"))
    assert (closing.date(), closing.time()) == (day + timedelta(days=1), time(0))  # midnight ending the day
    assert step.ends_on == step.closes_at.date()


def test_a_support_is_given_once_per_browser_and_can_be_taken_back(step):
    rec = draft(step.process)[0]
    with unit_of_work():
        assert support(step, rec, browser="phone-a", address="10.0.0.1") is True
    with unit_of_work():
        assert support(step, rec, browser="phone-a", address="10.0.0.2") is False
        assert support(step, rec, browser="phone-b", address="10.0.0.1") is True
    assert results(step)["recommendations"][0]["supports"] == 2
    assert supported_by(step, "phone-a") == {rec.id}
    with unit_of_work():
        assert withdraw_support(step, rec, browser="phone-a") is True
    with unit_of_work():
        assert withdraw_support(step, rec, browser="phone-a") is False
    assert results(step)["recommendations"][0]["supports"] == 1
    assert supported_by(step, "phone-a") == set()


def test_nothing_is_stored_about_a_browser_or_an_address_but_keyed_hashes(step):
    rec = draft(step.process)[0]
    with unit_of_work():
        support(step, rec, browser="phone-a", address="10.0.0.1")
    row = db.session.scalars(select(Support)).one()
    assert "phone-a" not in row.browser and "10.0.0.1" not in (row.address or "")
    assert len(row.browser) == 64


def test_a_support_for_a_recommendation_outside_the_draft_or_after_closing_is_refused(step, facilitator, app):
    other = make_workshop(make_facilitator(facilitator.commune))
    with unit_of_work():
        foreign = save_recommendation(other, Actor(user=facilitator), {"theme_id": other.themes[0].id, "title": "x"})
    refused("not_found", support, step, foreign, browser="p", address=None)
    with unit_of_work():
        step.closes_at = utcnow() - timedelta(seconds=1)
    refused("closed", support, step, draft(step.process)[0], browser="p", address=None)
    assert db.session.scalar(select(func.count(Support.id))) == 0


def test_an_online_comment_waits_for_moderation_and_needs_the_notice_accepted(step):
    refused("invalid", post_comment, step, text="x", consent=None, recommendation=draft(step.process)[0])
    c = comment(step)
    assert c.status == "pending" and c.source == "online" and c.kind == "comment"
    assert results(step)["comments"] == 0 and results(step)["waiting"] == 1


def test_the_same_form_sent_twice_is_one_comment(step):
    a = comment(step, client_id="c-1")
    b = comment(step, client_id="c-1")
    assert a.id == b.id
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_a_proposal_goes_under_one_of_the_draft_axes(step, workshop):
    axis = workshop.themes[1].name
    with unit_of_work():
        p = post_comment(step, text="Une application pour signaler", consent=True, axis=axis)
    assert p.kind == "proposal" and p.axis == axis and p.recommendation_id is None
    refused("invalid", post_comment, step, text="x", consent=True, axis="Axe inventé")


def test_staff_type_in_paper_comments_marked_as_such_and_published(step, facilitator):
    with unit_of_work():
        c = post_comment(
            step,
            text="ورقة من الدوار",
            consent=None,
            recommendation=draft(step.process)[0],
            user=facilitator,
            source="paper",
            gender="female",
            category="citizen",
        )
    assert c.status == "visible" and c.source == "paper" and c.entered_by_id == facilitator.id


def test_moderation_follows_the_item_states(step, facilitator):
    a, b, c = comment(step, "A"), comment(step, "B"), comment(step, "C")
    with unit_of_work():
        moderate_comment(a, facilitator, "approve")
        moderate_comment(b, facilitator, "approve")
        moderate_comment(c, facilitator, "reject", reason="Hors sujet")
    refused("invalid", moderate_comment, c, facilitator, "approve")  # rejected stays rejected
    refused("invalid", moderate_comment, a, facilitator, "reject", reason="x")  # only a waiting one is rejected
    with unit_of_work():
        moderate_comment(b, facilitator, "merge", into=a)
    assert (a.status, b.status, b.merged_into_id, c.status) == ("visible", "merged", a.id, "rejected")
    with unit_of_work():
        moderate_comment(b, facilitator, "unmerge")
    assert b.status == "visible" and b.merged_into_id is None


def test_another_communes_admin_changes_nothing(step):
    c = comment(step)
    stranger = make_facilitator(role="admin")
    refused("forbidden", moderate_comment, c, stranger, "approve")
    refused("forbidden", respond, c, stranger, response="not_taken", text="non")
    refused("forbidden", close_consultation, step, stranger)
    refused("forbidden", open_consultation, step, stranger)
    refused(
        "forbidden", post_comment, step, text="x", consent=None, user=stranger, recommendation=draft(step.process)[0]
    )
    staff = make_facilitator(step.process.commune, role="staff")
    refused("forbidden", moderate_comment, c, staff, "approve")
    db.session.refresh(c)
    assert c.status == "pending" and c.response is None


def test_every_published_comment_gets_an_answer_before_closing(step, facilitator):
    a, b = comment(step, "A"), comment(step, "B")
    refused("invalid", close_consultation, step, facilitator)
    with unit_of_work():
        moderate_comment(a, facilitator, "approve")
        moderate_comment(b, facilitator, "reject", reason="Insulte")
    assert unanswered(step) == 1
    refused("invalid", close_consultation, step, facilitator)
    refused("invalid", respond, a, facilitator, response="not_taken")  # a refusal says why
    rec = draft(step.process)[1]
    with unit_of_work():
        respond(a, facilitator, response="covered", covered_by=rec)
    assert a.covered_by_id == rec.id
    with unit_of_work():
        close_consultation(step, facilitator)
    assert consultation_status(step) == "closed"


def test_a_change_made_in_answer_to_a_comment_is_kept_in_the_recommendations_history(step, facilitator):
    a = comment(step, "Précisez : au souk hebdomadaire")
    rec = draft(step.process)[0]
    with unit_of_work():
        moderate_comment(a, facilitator, "approve")
        respond(a, facilitator, response="taken", text="Précisé", new_text="حاويات أكثر في السوق الأسبوعي")
    assert current_text(rec) == "حاويات أكثر في السوق الأسبوعي"
    entries = db.session.scalars(select(FollowUpUpdate).where(FollowUpUpdate.recommendation_id == rec.id)).all()
    assert [(e.status, e.note) for e in entries] == [("revised", "حاويات أكثر في السوق الأسبوعي")]


def test_the_figures_are_given_with_and_without_addresses_that_gave_many_supports(step):
    recs = draft(step.process)
    with unit_of_work():
        for n in range(12):  # a cybercafé, or a script: twelve browsers behind one address
            support(step, recs[0], browser=f"bot-{n}", address="10.9.9.9")
        for n in range(4):  # a family on one Wi-Fi
            support(step, recs[0], browser=f"home-{n}", address="10.1.1.1")
        support(step, recs[1], browser="alone", address="10.2.2.2")
    figures = results(step)
    first, second = figures["recommendations"]
    assert (first["supports"], first["supports_without_heavy"]) == (16, 4)
    assert (second["supports"], second["supports_without_heavy"]) == (1, 1)
    assert figures["heavy_addresses"] == 1


def test_participation_figures_fold_groups_of_fewer_than_three(step):
    for n in range(3):
        comment(step, f"f{n}", gender="female", category="civil_society", client_id=f"f{n}")
    comment(step, "m", gender="male", category="council_member")
    figures = results(step)
    assert figures["by_gender"] == {"female": 3, "other": 1}
    assert figures["by_category"] == {"civil_society": 3, "other": 1}


def test_the_purge_keeps_counts_and_drops_the_hashes(step, facilitator):
    rec = draft(step.process)[0]
    with unit_of_work():
        support(step, rec, browser="p", address="10.0.0.1")
    c = comment(step)
    refused("forbidden", purge_consultation, step, facilitator)
    with unit_of_work():
        moderate_comment(c, facilitator, "reject", reason="x")
        close_consultation(step, facilitator)
        purge_consultation(step, facilitator)
    assert results(step)["recommendations"][0]["supports"] == 1
    assert db.session.scalar(select(func.count(Support.id)).where(Support.browser.is_not(None))) == 0
    assert db.session.scalars(select(Comment.browser)).all() == [None]  # the comment stays, without its hash


def test_supports_sent_at_once_by_one_browser_count_once(step, app):
    """Two requests of one browser racing (a double tap on a weak link): one support, and neither fails."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    rec_id, step_id = draft(step.process)[0].id, step.id
    barrier = threading.Barrier(8)
    outcomes = []

    def tap():
        with app.app_context():
            from consult.models import Recommendation, Step

            s, r = db.session.get(Step, step_id), db.session.get(Recommendation, rec_id)
            barrier.wait()
            with unit_of_work():
                outcomes.append(support(s, r, browser="double-tap", address="10.0.0.1"))

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert db.session.scalar(select(func.count(Support.id))) == 1


def test_the_staff_queue_sorts_comments_by_what_they_wait_for(step, facilitator):
    pending, rejected, answered, merged, waiting_answer = (comment(step, text=f"t{n}") for n in range(5))
    with unit_of_work():
        moderate_comment(rejected, facilitator, "reject", reason="hors sujet")
        for c in (answered, merged, waiting_answer):
            moderate_comment(c, facilitator, "approve")
        moderate_comment(merged, facilitator, "merge", into=answered)
        respond(answered, facilitator, response="taken", text="Oui")
    buckets = queue_of(step)
    ids = {name: [c.id for c in found] for name, found in buckets.items()}
    assert ids == {
        "waiting": [pending.id],
        "unanswered": [waiting_answer.id],
        "answered": [answered.id, merged.id],
        "rejected": [rejected.id],
        "published": [answered.id, waiting_answer.id],
    }
    assert next_unanswered(step) == waiting_answer.id
    with unit_of_work():
        respond(waiting_answer, facilitator, response="not_taken", text="Non")
    assert next_unanswered(step) is None
