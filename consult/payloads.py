"""Models as plain dicts, in one place: socket events, the JSON API and the exports all use these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Group, Item, Participant, Theme, Workshop


def theme_payload(theme: Theme) -> dict[str, Any]:
    return {"id": theme.id, "key": theme.key, "name": theme.name, "color": theme.color, "icon": theme.icon}


def group_payload(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.display_name,
        "position": group.position,
        "theme": theme_payload(group.theme),
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
        "settings": {
            "votes_per_participant": workshop.setting("votes_per_participant"),
            "anonymous": workshop.setting("anonymous"),
            "premoderation": workshop.setting("premoderation"),
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


def item_payload(item: Item) -> dict[str, Any]:
    author = item.author
    anonymous = item.author_participant_id is not None and bool(
        author is not None and author.workshop.setting("anonymous")
    )
    return {
        "id": item.id,
        "group_id": item.group_id,
        "kind": item.kind,
        "parent_id": item.parent_id,
        "text": item.text,
        "status": item.status,
        "author_id": item.author_participant_id,
        "author_name": None if anonymous or author is None else author.nickname,
        "by_scribe": item.author_user_id is not None,
        "created_at": item.created_at.isoformat() + "Z",
        "seq": item.seq,
    }


def participation_counts(workshop: Workshop) -> dict[str, Any]:
    """How many have joined, in all and per group: the board shows these."""
    rows = db.session.execute(
        select(Participant.group_id, func.count(Participant.id))
        .where(Participant.workshop_id == workshop.id)
        .group_by(Participant.group_id)
    ).all()
    return {
        "participants": sum(n for _, n in rows),
        "by_group": {str(gid): n for gid, n in rows if gid is not None},
    }
