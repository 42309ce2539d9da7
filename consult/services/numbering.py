"""A recommendation's number: one rule for the room, the staff pages, the reports, the public pages, the open data and
the consultation on the draft (docs/OPEN_DATA.md says what a number means and when it may change).

In a process, the recommendations of its published workshops are numbered 1..N: workshop after workshop (dated ones
by date, undated ones after them, then by id), each in axis order, then in the order its facilitator gave them. A
workshop not published in a process numbers its own recommendations 1..N the same way.
"""

from __future__ import annotations

from sqlalchemy import select

from consult.extensions import db
from consult.models import Process, Recommendation, Theme, Workshop


def published_workshops(process: Process) -> list[Workshop]:
    """The process's published workshops, in its order."""
    return list(
        db.session.scalars(
            select(Workshop)
            .where(Workshop.process_id == process.id, Workshop.published_at.is_not(None))
            .order_by(*Workshop.process_order())
        )
    )


def _in_workshop_order(query):
    """Within a workshop: by axis, then in the order its facilitator gave them."""
    return query.join(Theme, Theme.id == Recommendation.theme_id).order_by(
        Theme.position, Recommendation.position, Recommendation.id
    )


def number_recommendations(workshops: list[Workshop]) -> dict[int, int]:
    """Recommendation id -> number over these workshops, taken in the order given."""
    order = {w.id: i for i, w in enumerate(workshops)}
    if not order:
        return {}
    rows = db.session.execute(
        _in_workshop_order(select(Recommendation.id, Recommendation.workshop_id)).where(
            Recommendation.workshop_id.in_(order)
        )
    ).all()
    ranked = sorted(rows, key=lambda row: order[row.workshop_id])  # stable: the axis order stays within a workshop
    return {row.id: number for number, row in enumerate(ranked, start=1)}


def process_numbers(process: Process) -> dict[int, int]:
    """The numbers of a process's recommendations, those of its published workshops."""
    return number_recommendations(published_workshops(process))


def _in_process(workshop: Workshop) -> bool:
    return workshop.process_id is not None and workshop.published_at is not None


def workshop_numbers(workshop: Workshop) -> dict[int, int]:
    """The numbers a workshop's recommendations carry everywhere: the process's once it is published in one."""
    return process_numbers(workshop.process) if _in_process(workshop) else number_recommendations([workshop])


def numbered_recommendations(workshop: Workshop) -> list[tuple[Recommendation, int | None]]:
    """A workshop's recommendations in number order, each with its number; one query while the workshop is not
    published in a process (the live room's screens ask on every redraw)."""
    if not _in_process(workshop):
        query = _in_workshop_order(select(Recommendation)).where(Recommendation.workshop_id == workshop.id)
        return [(rec, number) for number, rec in enumerate(db.session.scalars(query), start=1)]
    numbers = process_numbers(workshop.process)
    # One saved between the two reads has no number yet: last, until the next broadcast numbers it.
    recs = db.session.scalars(select(Recommendation).where(Recommendation.workshop_id == workshop.id))
    return [
        (rec, numbers.get(rec.id))
        for rec in sorted(recs, key=lambda r: (r.id not in numbers, numbers.get(r.id, 0), r.id))
    ]
