"""Tables: several groups per axis in a large room, seating at the least-full one, and the facilitator's moves.

A table is a Group of its axis (Theme); its number is its place among the axis's groups. Seating and every change
to the tables run under the workshop's row lock, so that people arriving together spread evenly.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Group, Item, Participant, Theme, Workshop
from consult.payloads import workshop_payload
from consult.services.access import Actor, require_facilitator
from consult.services.errors import invalid, not_found
from consult.services.events import record_event
from consult.services.guards import lock_open
from consult.services.participants import find_group, seat
from consult.services.text import as_id, get_by_id

TABLES_MAX = 20  # per axis, whether set by the facilitator or opened by table_size
TABLE_SIZE_MAX = 200


def check_tables_per_axis(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= TABLES_MAX:
        raise invalid(_l("Give a number of tables per axis from 1 to %(max)d.", max=TABLES_MAX), "tables_per_axis")
    return value


def check_table_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (value == 0 or 2 <= value <= TABLE_SIZE_MAX):
        raise invalid(
            _l("Give a table size from 2 to %(max)d people, or 0 for no limit.", max=TABLE_SIZE_MAX), "table_size"
        )
    return value


def arrange_tables(workshop: Workshop, previous: int) -> None:
    """Give every axis tables_per_axis tables; when the number went down from previous, remove the extra ones.

    Only an empty table goes (no item in any state, nobody seated): its contributions and people have nowhere to go
    that the facilitator did not choose. Called under the workshop's lock by the services that save settings.
    """
    count = int(workshop.setting("tables_per_axis"))
    for theme in workshop.themes:
        tables = list(theme.groups)
        for _number in range(len(tables), count):
            _open_table(workshop, theme)
        if count < previous and len(tables) > count:
            for table in tables[count:]:
                _remove_empty_table(workshop, table)
    renumber(workshop)


def _open_table(workshop: Workshop, theme: Theme) -> Group:
    # Last of its axis until renumber(); the relationships' backrefs put it in both lists.
    table = Group(workshop=workshop, theme=theme, position=max((g.position for g in workshop.groups), default=0) + 1)
    db.session.add(table)
    return table


def _remove_empty_table(workshop: Workshop, table: Group) -> None:
    if table.id is not None and (_count(Item.id, Item.group_id == table.id) or _seated(table)):
        raise invalid(
            _l(
                "%(table)s still has contributions or people: move them to another table before removing it.",
                table=table.display_name,
            ),
            "tables_per_axis",
        )
    table.theme.groups.remove(table)
    workshop.groups.remove(table)


def _count(column: Any, condition: Any) -> int:
    return int(db.session.scalar(select(func.count(column)).where(condition)) or 0)


def _seated(table: Group) -> int:
    return _count(Participant.id, Participant.group_id == table.id)


def renumber(workshop: Workshop) -> None:
    """Positions follow the axes' order, then each axis's tables: every screen lists them so."""
    tables = sorted(workshop.groups, key=lambda g: (g.theme.position, g.position, g.id or 0))
    for position, table in enumerate(tables):
        table.position = position
    workshop.groups.sort(key=lambda g: g.position)
    for theme in workshop.themes:
        theme.groups.sort(key=lambda g: g.position)


def find_theme(workshop: Workshop, theme_id: object) -> Theme:
    """An axis of this workshop; another workshop's axis is as good as unknown."""
    number = as_id(theme_id)
    if number is None:
        raise invalid(_l("Choose an axis."), "theme_id")
    theme = get_by_id(Theme, number)
    if theme is None or theme.workshop_id != workshop.id:
        raise not_found(_l("This axis does not exist in this workshop."))
    return theme


def seat_participant(participant: Participant, theme_id: object) -> Group:
    """Seat the participant at the least-full table of an axis (ties: the first), opening one when all are full.

    Someone already seated in that axis stays where they are: a phone that asks again is not moved around.
    """
    workshop = participant.workshop
    theme = find_theme(workshop, theme_id)
    lock_open(workshop)
    db.session.refresh(participant, ["group_id"])  # read again under the lock: a move may have committed meanwhile
    tables = list(theme.groups)
    if participant.group_id in {t.id for t in tables}:
        return next(t for t in tables if t.id == participant.group_id)
    rows = db.session.execute(
        select(Participant.group_id, func.count(Participant.id))
        .where(Participant.group_id.in_([t.id for t in tables]))
        .group_by(Participant.group_id)
    ).all()
    sizes = {group_id: n for group_id, n in rows}
    table = min(tables, key=lambda t: (sizes.get(t.id, 0), t.position))
    size = int(workshop.setting("table_size") or 0)
    if size and sizes.get(table.id, 0) >= size and len(tables) < TABLES_MAX:
        table = _open_table(workshop, theme)
        renumber(workshop)
        db.session.flush()
        record_event(workshop, "workshop.updated", workshop_payload(workshop), participant=participant)
    seat(workshop, participant, table)
    return table


def move_participant(workshop: Workshop, actor: Actor, participant_id: object, group_id: object) -> Participant:
    """The facilitator seats somebody at another table (of any axis)."""
    require_facilitator(workshop, actor)
    lock_open(workshop)
    number = as_id(participant_id)
    participant = get_by_id(Participant, number) if number is not None else None
    if participant is None or participant.workshop_id != workshop.id:
        raise not_found(_l("This participant is not in this workshop."))
    table = find_group(workshop, group_id)
    if participant.group_id != table.id:
        seat(workshop, participant, table, user=actor.user)
    return participant
