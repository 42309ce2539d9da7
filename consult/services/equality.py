"""The equality report for the commune's equity body (IECG): who took part, and whose contributions survived.

Law 113-14 asks for the gender approach: across a process's published workshops, participation by gender, category
and age band, and the share of contributions by women, by men and by category that were retained in a
recommendation and then adopted by the council.

Nobody may be picked out. As in the public report, a category or age band of fewer than FOLD_BELOW people is folded
into "other"; then any cell still counting 1 or 2 people is hidden, and so is a second cell of its row or column
whenever the hidden one could be worked out by subtraction from a total. A share is only given over FOLD_BELOW
contributions or more. "Not given" is never hidden on its own account: it names nobody.

A purged workshop (services/privacy.py) kept its attendance figures but no link from a contribution to its author:
its contributions count as "not given".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from consult.extensions import db
from consult.models import Adoption, Item, Participant, Process, Recommendation, Workshop
from consult.models.participant import AGE_BANDS, CATEGORIES, GENDERS
from consult.services.consultation import comments_of, consultation_step
from consult.services.events import PUBLIC_STATUSES
from consult.services.outcome import FOLD_BELOW, NOT_GIVEN, add_attendance, attendance_counts, scribed_ids

GENDER_COLUMNS = (*GENDERS, NOT_GIVEN)
ADOPTED = ("adopted", "amended")
TOTAL = "total"

Table = dict[str, dict[str, int]]


def report_workshops(process: Process, *, published_only: bool = True) -> list[Workshop]:
    """The workshops the report covers: on a public page only the published ones, whose outcome is final and public."""
    return [w for w in process.workshops if w.published_at is not None or not published_only]


def _row() -> dict[str, int]:
    return dict.fromkeys(GENDER_COLUMNS, 0)


def _fold_rows(table: Table) -> Table:
    """Rows (categories, age bands) of fewer than FOLD_BELOW people counted in "other", as in the public report."""
    folded: Table = {}
    for key, row in table.items():
        small = key != NOT_GIVEN and 0 < sum(row.values()) < FOLD_BELOW
        mine = folded.setdefault("other" if small else key, _row())
        for column, n in row.items():
            mine[column] += n
    return folded


def suppress(table: Table, order: tuple[str, ...]) -> dict[str, Any]:
    """The table with its totals, small cells hidden (None) and, where a total would give one away, a second cell.

    Primary: a cell of 1 or 2 people outside the "not given" row and column. Secondary: while a row or column
    (with its total) has exactly one hidden cell, hide its smallest other non-zero cell too.
    """
    rows = [k for k in order if k in table] + sorted(k for k in table if k not in order)
    columns = [*GENDER_COLUMNS, TOTAL]
    values: dict[tuple[str, str], int] = {}
    for r in rows:
        for c in GENDER_COLUMNS:
            values[r, c] = table[r].get(c, 0)
        values[r, TOTAL] = sum(table[r].get(c, 0) for c in GENDER_COLUMNS)
    for c in columns:
        values[TOTAL, c] = sum(values[r, c] for r in rows)
    every_row = [*rows, TOTAL]
    hidden = {(r, c) for (r, c), n in values.items() if 0 < n < FOLD_BELOW and NOT_GIVEN not in (r, c)}
    lines = [[(r, c) for c in columns] for r in every_row] + [[(r, c) for r in every_row] for c in columns]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            others = [cell for cell in line if cell not in hidden and values[cell] > 0]
            if others:
                hidden.add(min(others, key=lambda cell: (values[cell], cell[1] == TOTAL or cell[0] == TOTAL)))
                changed = True

    def shown(r: str) -> dict[str, int | None]:
        return {c: None if (r, c) in hidden else values[r, c] for c in columns}

    return {
        "rows": [{"key": r, **shown(r)} for r in rows],
        "total": shown(TOTAL),
        "hidden": bool(hidden),
    }


def _participation(workshops: list[Workshop], items_by_workshop: dict[int, list[Item]]) -> dict[str, Any]:
    """Who took part: category × gender and age band × gender (people), scribed speakers by category × gender."""
    by_category: Table = defaultdict(_row)
    by_age: Table = defaultdict(_row)
    scribed: Table = defaultdict(_row)
    people = 0
    ids = [w.id for w in workshops]
    participants = list(db.session.scalars(select(Participant).where(Participant.workshop_id.in_(ids)))) if ids else []
    for p in participants:
        by_age[p.age_band or NOT_GIVEN][p.gender or NOT_GIVEN] += 1
    for workshop in workshops:
        counts = attendance_counts(workshop, items_by_workshop.get(workshop.id, []), counted=scribed_ids(workshop))
        if workshop.attendance:
            # Purged: the age bands were kept without the gender, which is "not given" here.
            for band, n in workshop.attendance["by_age"].items():
                by_age[band][NOT_GIVEN] += n
            counts = add_attendance(workshop.attendance, counts)
        people += counts["participants"]
        for source, target in (("by_category_gender", by_category), ("scribe_by_category_gender", scribed)):
            for key, row in counts[source].items():
                for column in GENDER_COLUMNS:
                    target[key][column] += row.get(column, 0)
    return {
        "participants": people,
        "by_category_gender": suppress(_fold_rows(dict(by_category)), (*CATEGORIES, NOT_GIVEN)),
        "by_age_gender": suppress(_fold_rows(dict(by_age)), (*AGE_BANDS, "other", NOT_GIVEN)),
        "scribed_by_category_gender": suppress(_fold_rows(dict(scribed)), (*CATEGORIES, NOT_GIVEN)),
        "raw_people": {"by_category": dict(by_category), "scribed": dict(scribed)},
    }


def _author(item: Item) -> tuple[str, str]:
    """(gender, category) of whoever the contribution came from; "not given" once a purge cut the link."""
    if item.author is not None:
        return item.author.gender or NOT_GIVEN, item.author.category or NOT_GIVEN
    if item.by_scribe:
        return item.speaker_gender or NOT_GIVEN, item.speaker_category or NOT_GIVEN
    return NOT_GIVEN, NOT_GIVEN


def _fates(items: list[Item], adopted: set[int]) -> dict[int, tuple[bool, bool]]:
    """(retained, adopted) per item; a merged duplicate lives on in the item it was merged into."""
    by_id = {i.id: i for i in items}

    def target(item: Item) -> Item:
        seen = set()
        while item.status == "merged" and item.merged_into_id in by_id and item.id not in seen:
            seen.add(item.id)
            item = by_id[item.merged_into_id]
        return item

    fates = {}
    for item in items:
        recommendations = target(item).recommendations
        fates[item.id] = (bool(recommendations), any(r.id in adopted for r in recommendations))
    return fates


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole >= FOLD_BELOW else None


def _survival_rows(
    counts: dict[str, Counter], people: dict[str, int], order: tuple[str, ...], fold: bool
) -> list[dict[str, Any]]:
    """One row per group: its people, contributions, retained and adopted, with shares; small groups hidden."""
    if fold:
        # Categories of fewer than FOLD_BELOW people are counted in "other", as in the participation table.
        small = {k for k in counts.keys() | people.keys() if k != NOT_GIVEN and people.get(k, 0) < FOLD_BELOW}
        for key in small - {"other"}:
            counts["other"] += counts.pop(key, Counter())
            people["other"] = people.get("other", 0) + people.pop(key, 0)
    keys = [k for k in order if counts.get(k) or people.get(k)]
    hidden = {k for k in keys if k != NOT_GIVEN and people.get(k, 0) < FOLD_BELOW}
    named = [k for k in keys if k != NOT_GIVEN]
    if len(hidden) == 1 and len(named) > 1:
        # With the public total of contributions, one hidden group would be the others' difference.
        hidden.add(min((k for k in named if k not in hidden), key=lambda k: people.get(k, 0)))
    rows = []
    for key in keys:
        c = counts.get(key, Counter())
        if key in hidden:
            rows.append({"key": key, "hidden": True, "people": None, "contributions": None, "retained": None,
                         "adopted": None, "retained_share": None, "adopted_share": None})  # fmt: skip
            continue
        rows.append(
            {
                "key": key,
                "hidden": False,
                "people": people.get(key, 0),
                "contributions": c["contributions"],
                "retained": c["retained"],
                "adopted": c["adopted"],
                "retained_share": _share(c["retained"], c["contributions"]),
                "adopted_share": _share(c["adopted"], c["contributions"]),
            }
        )
    return rows


def _online(process: Process) -> dict[str, Any] | None:
    """Who spoke in the consultation on the draft (online, on paper, at the office): one comment, one voice."""
    step = consultation_step(process)
    if step is None or step.opens_at is None:
        return None
    comments = [c for c in comments_of(step) if c.status != "rejected"]
    by_category: Table = defaultdict(_row)
    by_age: Table = defaultdict(_row)
    for c in comments:
        by_category[c.category or NOT_GIVEN][c.gender or NOT_GIVEN] += 1
        by_age[c.age_band or NOT_GIVEN][c.gender or NOT_GIVEN] += 1
    return {
        "comments": len(comments),
        "by_source": dict(Counter(c.source for c in comments)),
        "by_category_gender": suppress(_fold_rows(dict(by_category)), (*CATEGORIES, NOT_GIVEN)),
        "by_age_gender": suppress(_fold_rows(dict(by_age)), (*AGE_BANDS, "other", NOT_GIVEN)),
    }


def equality_report(process: Process, *, published_only: bool = True) -> dict[str, Any]:
    """Participation and the survival of contributions across the process's (published) workshops, folded."""
    workshops = report_workshops(process, published_only=published_only)
    ids = [w.id for w in workshops]
    items = (
        list(
            db.session.scalars(
                select(Item).where(Item.workshop_id.in_(ids), Item.status != "pending").order_by(Item.id)
            )
        )
        if ids
        else []
    )
    items_by_workshop: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        items_by_workshop[item.workshop_id].append(item)
    adopted = (
        set(
            db.session.scalars(
                select(Adoption.recommendation_id)
                .join(Recommendation, Recommendation.id == Adoption.recommendation_id)
                .where(Recommendation.workshop_id.in_(ids), Adoption.decision.in_(ADOPTED))
            )
        )
        if ids
        else set()
    )
    participation = _participation(workshops, items_by_workshop)
    raw = participation.pop("raw_people")
    by_gender: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    for workshop_items in items_by_workshop.values():
        fates = _fates(workshop_items, adopted)
        for item in workshop_items:
            if item.status not in PUBLIC_STATUSES:
                continue
            gender, category = _author(item)
            retained, was_adopted = fates[item.id]
            for counter in (by_gender[gender], by_category[category]):
                counter["contributions"] += 1
                counter["retained"] += retained
                counter["adopted"] += was_adopted
    # A group's size: its participants, and each item a scribe entered for somebody of it (one speaker each).
    people_gender: Counter = Counter()
    people_category: Counter = Counter()
    for table in (raw["by_category"], raw["scribed"]):
        for category, row in table.items():
            for gender, n in row.items():
                people_gender[gender] += n
                people_category[category] += n
    return {
        "process": {"id": process.id, "title": process.title, "slug": process.slug},
        "published_only": published_only,
        "fold_below": FOLD_BELOW,
        "workshops": [
            {
                "id": w.id,
                "title": w.title,
                "date": w.date.isoformat() if w.date else None,
                "purged": w.purged_at is not None,
            }
            for w in workshops
        ],
        "purged_workshops": sum(1 for w in workshops if w.purged_at is not None),
        **participation,
        "online": _online(process),
        "survival": {
            "by_gender": _survival_rows(by_gender, dict(people_gender), GENDER_COLUMNS, fold=False),
            "by_category": _survival_rows(by_category, dict(people_category), (*CATEGORIES, NOT_GIVEN), fold=True),
        },
    }
