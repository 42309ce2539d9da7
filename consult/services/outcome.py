"""What a workshop's outcome says, decided once for the reports, the public pages, the equality report and the purge:
who took part (folded for the public), and the reasoned response each contribution got.

The public sees no category or age band of fewer than FOLD_BELOW people: they are counted in "other".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from consult.extensions import db
from consult.models import Item, Participant, Workshop

FOLD_BELOW = 3
NOT_GIVEN = "not_given"


def fold(counter: Counter, keys: set[str]) -> Counter:
    """Move every key of fewer than FOLD_BELOW people into "other"."""
    folded: Counter = Counter()
    for key, n in counter.items():
        folded["other" if key in keys and n < FOLD_BELOW else key] += n
    return folded


def gender_row() -> dict[str, int]:
    return {"female": 0, "male": 0, NOT_GIVEN: 0, "total": 0}


def attendance_counts(workshop: Workshop, items: list[Item], *, counted: frozenset[int] = frozenset()) -> dict:
    """Who took part, unfolded, from the participant rows; scribed items already in counted are left out."""
    people = list(db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)))
    table: dict[str, dict[str, int]] = {}
    for p in people:
        row = table.setdefault(p.category or NOT_GIVEN, gender_row())
        row[p.gender or NOT_GIVEN] += 1
        row["total"] += 1
    groups = {g.id: g.display_name for g in workshop.groups}
    scribed = [i for i in items if i.by_scribe and i.id not in counted]
    scribe_table: dict[str, dict[str, int]] = {}
    for item in scribed:
        row = scribe_table.setdefault(item.speaker_category or NOT_GIVEN, gender_row())
        row[item.speaker_gender or NOT_GIVEN] += 1
        row["total"] += 1
    return {
        "participants": len(people),
        "by_category_gender": table,
        "by_age": dict(Counter(p.age_band or NOT_GIVEN for p in people)),
        "by_group": dict(Counter(groups.get(p.group_id, NOT_GIVEN) for p in people)),
        "scribe_items": len(scribed),
        "scribe_by_category_gender": scribe_table,
        "scribe_item_ids": [i.id for i in scribed],
    }


def add_attendance(kept: dict, more: dict) -> dict:
    """The sum of two attendance counts (what a purge kept, and who came after it)."""
    total = {"participants": kept["participants"] + more["participants"]}
    for key in ("by_category_gender", "scribe_by_category_gender"):
        table = {k: dict(row) for k, row in kept[key].items()}
        for k, row in more[key].items():
            mine = table.setdefault(k, gender_row())
            for cell, n in row.items():
                mine[cell] += n
        total[key] = table
    for key in ("by_age", "by_group"):
        total[key] = dict(Counter(kept[key]) + Counter(more[key]))
    total["scribe_items"] = kept["scribe_items"] + more["scribe_items"]
    total["scribe_item_ids"] = [*kept["scribe_item_ids"], *more["scribe_item_ids"]]
    return total


def attendance(workshop: Workshop, items: list[Item], public: bool) -> dict[str, Any]:
    """Who took part, with what a purge kept; public: categories and age bands of fewer than FOLD_BELOW folded."""
    kept = workshop.attendance
    counts = attendance_counts(workshop, items, counted=frozenset(kept["scribe_item_ids"]) if kept else frozenset())
    if kept:
        # The participants were purged (services/privacy.py): their figures were kept on the workshop.
        counts = add_attendance(kept, counts)
    table = counts["by_category_gender"]
    by_age = Counter(counts["by_age"])
    folded_any = False
    if public:
        small = {k for k, row in table.items() if row["total"] < FOLD_BELOW and k != NOT_GIVEN}
        folded: dict[str, dict[str, int]] = {}
        for k, row in table.items():
            mine = folded.setdefault("other" if k in small else k, gender_row())
            for cell, n in row.items():
                mine[cell] += n
        table = folded
        folded_any = bool(small) or any(n < FOLD_BELOW for k, n in by_age.items() if k != NOT_GIVEN)
        by_age = fold(by_age, {k for k in by_age if k != NOT_GIVEN})
    return {
        "participants": counts["participants"],
        "by_category_gender": dict(sorted(table.items())),
        "by_age": dict(sorted(by_age.items())),
        "by_group": counts["by_group"],
        "scribe_items": counts["scribe_items"],
        "scribe_by_category_gender": dict(sorted(counts["scribe_by_category_gender"].items())),
        "folded": folded_any,
    }


def scribed_ids(workshop: Workshop) -> frozenset[int]:
    """Items entered by a scribe, as counted when the purge removed the scribe's link (empty before)."""
    return frozenset((workshop.attendance or {}).get("scribe_item_ids", ()))


def item_decision(status: str, numbers: list[int], decision: str | None) -> str | None:
    """The reasoned response a contribution got: merged, then retained in a recommendation, then the facilitator's."""
    if status == "merged":
        return "merged"
    if numbers:
        return "retained"
    return decision


def report_items(workshop: Workshop) -> list[Item]:
    """The items a report shows or counts."""
    return list(
        db.session.scalars(
            select(Item).where(Item.workshop_id == workshop.id, Item.status != "pending").order_by(Item.id)
        )
    )
