"""Consolidation: per axis, recommendations built from the group's problems and solutions, numbered and ordered."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Group, Item, Recommendation, Theme, Workshop
from consult.models.recommendation import FOLLOW_UP
from consult.payloads import item_payload, recommendations_payload
from consult.services.access import Actor, is_rapporteur, require_facilitator
from consult.services.errors import forbidden, invalid, not_found
from consult.services.events import record_event
from consult.services.guards import lock_open
from consult.services.text import as_id, choice, clean_text, get_by_id, id_list

# field: (maximum length, multiline)
TEXT_FIELDS = {
    "title": (200, False),
    "body": (2000, True),
    "principle": (120, False),
    "responsible": (200, False),
    "partners": (300, False),
    "horizon": (120, False),
    "budget": (120, False),
    "indicator": (300, False),
}
MAX_ITEMS = 100


def _theme(workshop: Workshop, theme_id: object) -> Theme:
    number = as_id(theme_id)
    theme = get_by_id(Theme, number) if number is not None else None
    if theme is None or theme.workshop_id != workshop.id:
        raise not_found(_l("This axis does not exist in this workshop."))
    return theme


def require_consolidator(workshop: Workshop, actor: Actor, theme: Theme) -> None:
    """The facilitator, or the rapporteur of a group of this axis."""
    if actor.user is not None:
        require_facilitator(workshop, actor)
        return
    if not any(is_rapporteur(actor, g) for g in theme.groups):
        raise forbidden(_l("Only the facilitator or this group's rapporteur can do this."))


def _items(workshop: Workshop, theme: Theme, item_ids: object) -> list[Item]:
    if item_ids is None:
        return []
    ids = id_list(item_ids, max_items=MAX_ITEMS)
    if ids is None:
        raise invalid(_l("Choose the problems and solutions it comes from."), "item_ids")
    items = []
    for number in ids:
        item = get_by_id(Item, number)
        if item is None or item.workshop_id != workshop.id or item.status != "visible":
            raise not_found(_l("This item does not exist in this workshop."))
        if db.session.get(Group, item.group_id).theme_id != theme.id:
            raise invalid(_l("A recommendation draws only on the items of its own axis."), "item_ids")
        items.append(item)
    return items


def _deadline(value: object) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _priority(value: object) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise invalid(_l("The priority is a rank from 1 to 99."), "priority")
    return value


def _announce(workshop: Workshop, actor: Actor, changed_items: list[Item]) -> None:
    data: dict[str, Any] = {"recommendations": recommendations_payload(workshop)}
    # Items whose decision changed (retained or no longer): every screen updates their badge.
    data["items"] = [item_payload(i) for i in changed_items]
    record_event(workshop, "recommendation.changed", data, **actor.event_actor)


def save_recommendation(workshop: Workshop, actor: Actor, data: dict[str, Any]) -> Recommendation:
    """Create (no id) or update (id) a recommendation; only the fields present are changed on update."""
    lock_open(workshop)
    rec_id = data.get("id")
    if rec_id is None:
        theme = _theme(workshop, data.get("theme_id"))
        require_consolidator(workshop, actor, theme)
        position = db.session.scalar(
            select(func.coalesce(func.max(Recommendation.position), 0)).where(Recommendation.theme_id == theme.id)
        )
        rec = Recommendation(workshop_id=workshop.id, theme_id=theme.id, position=position + 1)
        fields = {name: data.get(name) for name in (*TEXT_FIELDS, "priority", "deadline", "follow_up", "item_ids")}
    else:
        number = as_id(rec_id) if isinstance(rec_id, int) else None
        rec = get_by_id(Recommendation, number) if number is not None else None
        if rec is None or rec.workshop_id != workshop.id:
            raise not_found(_l("This recommendation does not exist in this workshop."))
        theme = rec.theme
        require_consolidator(workshop, actor, theme)
        fields = {name: data[name] for name in data if name != "id"}
    for name, (max_length, multiline) in TEXT_FIELDS.items():
        if name in fields:
            value = clean_text(
                fields[name], field=name, max_length=max_length, required=name == "title", multiline=multiline
            )
            setattr(rec, name, value)
    if "priority" in fields:
        rec.priority = _priority(fields["priority"])
    if "deadline" in fields:
        rec.deadline = _deadline(fields["deadline"])
        if fields["deadline"] not in (None, "") and rec.deadline is None:
            raise invalid(_l("Give the deadline as a date."), "deadline")
    if "follow_up" in fields:
        rec.follow_up = choice(fields["follow_up"], FOLLOW_UP, field="follow_up") or "proposed"
    before = set(rec.items)
    if "item_ids" in fields:
        rec.items = _items(workshop, theme, fields["item_ids"])
    if rec.id is None:
        db.session.add(rec)
    db.session.flush()
    for item in before ^ set(rec.items):
        db.session.expire(item, ["recommendations"])
    _announce(workshop, actor, sorted(before ^ set(rec.items), key=lambda i: i.id))
    return rec


def delete_recommendation(workshop: Workshop, actor: Actor, rec_id: object) -> None:
    lock_open(workshop)
    number = as_id(rec_id) if isinstance(rec_id, int) else None
    rec = get_by_id(Recommendation, number) if number is not None else None
    if rec is None or rec.workshop_id != workshop.id:
        raise not_found(_l("This recommendation does not exist in this workshop."))
    require_consolidator(workshop, actor, rec.theme)
    items = list(rec.items)
    db.session.delete(rec)
    db.session.flush()
    for item in items:
        db.session.expire(item, ["recommendations"])
    _announce(workshop, actor, items)


def reorder_recommendations(workshop: Workshop, actor: Actor, theme_id: object, ids: object) -> None:
    """Give an axis's recommendations a new order: ids lists all of them, first first."""
    lock_open(workshop)
    theme = _theme(workshop, theme_id)
    require_consolidator(workshop, actor, theme)
    recs = {r.id: r for r in db.session.scalars(select(Recommendation).where(Recommendation.theme_id == theme.id))}
    order = id_list(ids, max_items=len(recs))
    if order is None or len(order) != len(recs) or set(order) != set(recs):
        raise invalid(_l("List every recommendation of the axis once."), "ids")
    for position, rec_id in enumerate(order, start=1):
        recs[rec_id].position = position
    db.session.flush()
    _announce(workshop, actor, [])
