"""One recommendation, one number: the room and the staff pages, the reports, the public pages, the open data and the
consultation on the draft all give it the same one (consult/services/numbering.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Recommendation
from consult.payloads import recommendations_payload
from consult.reports.outcome import build_outcome
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.consultation import (
    consultation_step,
    draft,
    moderate_comment,
    open_consultation,
    open_data,
    post_comment,
    respond,
)
from consult.services.numbering import process_numbers, workshop_numbers
from consult.services.processes import (
    attach_workshop,
    create_process,
    publish_workshop,
    update_process,
    withdraw_workshop,
)
from consult.services.publication import public_process
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_workshop


def held(user, process, title: str, day: date | None, recs: list[tuple[int, str]], *, publish: bool = True):
    """A workshop of the process, held on day, closed, with recommendations (axis index, title) in that order."""
    workshop = make_workshop(user, title=title)
    with unit_of_work():
        workshop.date = day
        for axis, rec in recs:
            save_recommendation(workshop, Actor(user=user), {"theme_id": workshop.themes[axis].id, "title": rec})
        close_workshop(workshop, user)
        attach_workshop(process, workshop, user)
        if publish:
            publish_workshop(workshop, user)
    return workshop


@pytest.fixture
def process(facilitator):
    """Four workshops: an undated one made first, a dated one, one withdrawn since, one never published."""
    with unit_of_work():
        process = create_process(facilitator, title="برنامج عمل الجماعة", kind="open_commune")
        update_process(process, facilitator, title=process.title, kind=process.kind, published=True)
    # Made first, so first by id; undated, so SQLite alone would sort it before the dated ones, PostgreSQL after.
    held(facilitator, process, "Atelier sans date", None, [(0, "Undated")])
    # Its second axis before its first in the form: numbered in axis order all the same.
    held(facilitator, process, "Atelier de mai", date(2024, 5, 2), [(1, "May, axis 2"), (0, "May, axis 1")])
    withdrawn = held(facilitator, process, "Atelier retiré", date(2024, 4, 1), [(0, "Withdrawn")])
    with unit_of_work():
        withdraw_workshop(withdrawn, facilitator)
    held(facilitator, process, "Atelier interne", date(2024, 3, 1), [(0, "Never published")], publish=False)
    return process


def by_title(pairs) -> dict[str, int]:
    return {title: number for title, number in pairs}


EXPECTED = {"May, axis 1": 1, "May, axis 2": 2, "Undated": 3}


def test_every_door_gives_one_recommendation_one_number(process, facilitator):
    recs = {r.title: r for r in db.session.scalars(select(Recommendation))}
    numbers = process_numbers(process)
    assert by_title((t, numbers.get(r.id)) for t, r in recs.items() if r.id in numbers) == EXPECTED
    # What the public was never shown, or was shown and then not, has no number.
    assert recs["Withdrawn"].id not in numbers and recs["Never published"].id not in numbers

    # The room, the staff pages and every report format read recommendations_payload and build_outcome.
    shown = {w.title: w for w in process.workshops}
    for title in ("Atelier de mai", "Atelier sans date"):
        workshop = shown[title]
        assert all(EXPECTED[r["title"]] == r["number"] for r in recommendations_payload(workshop))
        outcome = build_outcome(workshop, lang="fr")
        assert all(EXPECTED[r["title"]] == r["number"] for r in outcome["recommendations"])
    # A workshop not published in the process numbers its own.
    assert workshop_numbers(shown["Atelier interne"]) == {recs["Never published"].id: 1}

    # The public pages and the open data.
    assert by_title((r["title"], r["number"]) for r in public_process(process, "fr")["recommendations"]) == EXPECTED

    # The consultation on the draft: its order, its open data, and an answer that points at another recommendation.
    step = consultation_step(process)
    with unit_of_work():
        open_consultation(step, facilitator)
    assert [r.title for r in draft(process)] == ["May, axis 1", "May, axis 2", "Undated"]
    with unit_of_work():
        comment = post_comment(step, text="Et les douars ?", consent=True, recommendation=recs["May, axis 2"])
        moderate_comment(comment, facilitator, "approve")
        respond(comment, facilitator, response="covered", text="Voir l'atelier sans date", covered_by=recs["Undated"])
    data = open_data(process, "https://example.ma/p/x/y")
    assert by_title((r["title"], r["number"]) for r in data["draft"]) == EXPECTED
    answered = next(c for c in data["comments"] if c["id"] == comment.id)
    assert answered["recommendation"] == 2 and answered["response"]["covered_by"] == 3


def test_the_draft_holds_only_published_workshops_and_opens_only_with_one(facilitator):
    with unit_of_work():
        process = create_process(facilitator, title="Programme", kind="open_commune")
    held(facilitator, process, "Atelier interne", None, [(0, "Never published")], publish=False)
    with pytest.raises(ServiceError) as refused, unit_of_work():
        open_consultation(consultation_step(process), facilitator)
    assert refused.value.code == "invalid" and consultation_step(process).opens_at is None
    assert draft(process) == []
