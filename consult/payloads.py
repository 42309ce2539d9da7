"""Models as plain dicts, in one place: socket events, the JSON API and the exports all use these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from consult.extensions import db
from consult.i18n import LANGUAGES, current_language
from consult.models import Group, Item, Participant, Theme, Vote, Workshop
from consult.models.base import utcnow
from consult.services.numbering import numbered_recommendations


def iso(moment: datetime | None) -> str | None:
    """Stored times are naive UTC; on the wire they say so."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def theme_payload(theme: Theme) -> dict[str, Any]:
    """name is in this screen's language; a broadcast reaches screens in every language, so names holds them all."""
    return {
        "id": theme.id,
        "key": theme.key,
        "name": theme.name_in(current_language()),
        "names": theme.all_names(LANGUAGES),
        "color": theme.color,
        "icon": theme.icon,
    }


def group_payload(group: Group) -> dict[str, Any]:
    """table: its number within the axis when the axis has several tables, else None; names: then its name in every
    language, as theme.names (a single table is named after its axis)."""
    table = group.is_table
    return {
        "id": group.id,
        "name": group.name_in(current_language()),
        "names": group.all_names(LANGUAGES) if table else None,
        "table": group.table_number if table else None,
        "position": group.position,
        "theme": theme_payload(group.theme),
        "rapporteur_id": group.rapporteur_id,
    }


def workshop_payload(workshop: Workshop) -> dict[str, Any]:
    return {
        "code": workshop.code,
        "title": workshop.title,
        "date": workshop.date.isoformat() if workshop.date else None,
        "venue": workshop.venue,
        "language": workshop.language,
        "status": workshop.status,
        "phase": workshop.phase,
        "allowed": allowed_actions(workshop),
        "timer": timer_payload(workshop),
        "settings": {
            "votes_per_participant": workshop.setting("votes_per_participant"),
            "hide_votes": bool(workshop.setting("hide_votes")),
            "anonymous": workshop.setting("anonymous"),
            "premoderation": workshop.setting("premoderation"),
            "phase_actions": dict(workshop.setting("phase_actions") or {}),
            "tables_per_axis": workshop.setting("tables_per_axis"),
            "table_size": workshop.setting("table_size"),
        },
        "principles": list(workshop.principles or []),
        "groups": [group_payload(g) for g in workshop.groups],
        "seq": workshop.last_seq,
    }


def participant_payload(participant: Participant) -> dict[str, Any]:
    return {
        "id": participant.id,
        "nickname": participant.nickname,
        "category": participant.category,
        "gender": participant.gender,
        "age_band": participant.age_band,
        "group_id": participant.group_id,
    }


def allowed_actions(workshop: Workshop) -> list[str]:
    """What participants may do now ("problem", "solution", "vote"): phones show only these."""
    if workshop.status != "open":
        return []
    return [action for action in ("problem", "solution", "vote") if workshop.allows(action)]


def timer_payload(workshop: Workshop) -> dict[str, Any]:
    """The countdown as the server keeps it; clients show ends_at against their offset to server_time."""
    now = utcnow()
    if workshop.timer_ends_at is not None:
        state, remaining = "running", max(0, round((workshop.timer_ends_at - now).total_seconds()))
    elif workshop.timer_remaining is not None:
        state, remaining = "paused", workshop.timer_remaining
    else:
        state, remaining = "idle", None
    return {
        "state": state,
        "ends_at": iso(workshop.timer_ends_at),
        "remaining": remaining,
        "duration": workshop.timer_duration,
        "server_time": iso(now),
    }


def vote_counts(workshop: Workshop) -> dict[int, int]:
    """Dots on each item of the workshop (withdrawn ones excluded)."""
    rows = db.session.execute(
        select(Vote.item_id, func.coalesce(func.sum(Vote.weight), 0))
        .join(Item, Item.id == Vote.item_id)
        .where(Item.workshop_id == workshop.id, Vote.withdrawn_at.is_(None))
        .group_by(Vote.item_id)
    ).all()
    return {item_id: int(n) for item_id, n in rows}


def item_votes(item: Item) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.item_id == item.id, Vote.withdrawn_at.is_(None))
        )
    )


def decision_payload(item: Item) -> dict[str, Any]:
    """The reasoned response every item ends with: retained, merged or not retained (with why), or none yet."""
    if item.status == "merged":
        return {"decision": "merged", "merged_into_id": item.merged_into_id, "recommendation_ids": [], "reason": None}
    retained = [r.id for r in item.recommendations]
    if retained:
        return {"decision": "retained", "merged_into_id": None, "recommendation_ids": retained, "reason": None}
    return {
        "decision": item.decision,
        "merged_into_id": None,
        "recommendation_ids": [],
        "reason": item.decision_reason if item.decision else None,
    }


def item_payload(item: Item, votes: dict[int, int] | None = None) -> dict[str, Any]:
    """An item as every screen sees it; votes is vote_counts() when many items are sent at once."""
    author = item.author
    workshop = item.workshop
    anonymous = item.author_participant_id is not None and bool(author is not None and workshop.setting("anonymous"))
    merged = [m for m in item.merged_items if m.status == "merged"]
    count = votes.get(item.id, 0) if votes is not None else item_votes(item)
    return {
        "id": item.id,
        "group_id": item.group_id,
        "kind": item.kind,
        "parent_id": item.parent_id,
        "text": item.text,
        "status": item.status,
        "author_id": item.author_participant_id,
        "author_name": None if anonymous or author is None else author.nickname,
        # Authors of the items merged into this one carry over to it.
        "author_ids": sorted(
            {a for a in [item.author_participant_id, *(m.author_participant_id for m in merged)] if a is not None}
        ),
        "merged_ids": [m.id for m in merged],
        "by_scribe": item.by_scribe,
        "pinned": item.pinned,
        "edited": bool(item.revisions),
        "votes": None if workshop.votes_hidden else count,
        **decision_payload(item),
        "created_at": iso(item.created_at),
        "seq": item.seq,
    }


def recommendations_payload(workshop: Workshop) -> list[dict[str, Any]]:
    """The workshop's recommendations in the order of their numbers (consult/services/numbering.py)."""
    return [
        {
            "id": r.id,
            "number": number,
            "theme_id": r.theme_id,
            "position": r.position,
            "title": r.title,
            "body": r.body,
            "principle": r.principle,
            "priority": r.priority,
            "responsible": r.responsible,
            "partners": r.partners,
            "horizon": r.horizon,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "budget": r.budget,
            "indicator": r.indicator,
            "follow_up": r.follow_up,
            "item_ids": [i.id for i in r.items],
        }
        for r, number in numbered_recommendations(workshop)
    ]


def participation_counts(workshop: Workshop | int) -> dict[str, Any]:
    """How many have joined, in all and per group: the board shows these. A workshop or its id."""
    workshop_id = workshop if isinstance(workshop, int) else workshop.id
    rows = db.session.execute(
        select(Participant.group_id, func.count(Participant.id))
        .where(Participant.workshop_id == workshop_id)
        .group_by(Participant.group_id)
    ).all()
    return {
        "participants": sum(n for _, n in rows),
        "by_group": {str(gid): n for gid, n in rows if gid is not None},
    }
