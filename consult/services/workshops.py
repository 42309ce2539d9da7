"""Creating, preparing, opening and closing workshops."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.extensions import db
from consult.i18n import LANGUAGES
from consult.models import Group, Item, Theme, User, Workshop
from consult.models.base import utcnow
from consult.models.workshop import ACTIONS, PHASES
from consult.payloads import workshop_payload
from consult.services.access import check_facilitator
from consult.services.errors import forbidden, invalid, not_found
from consult.services.events import lock_workshop, record_event
from consult.services.guards import lock_open
from consult.services.tables import arrange_tables, check_table_size, check_tables_per_axis
from consult.services.text import clean_text

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a projector must not be mistyped.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6
MAX_THEMES = 12

DEFAULT_THEMES = (
    ("environment", _l("Environment"), "#2e7d32", "leaf"),
    ("communication", _l("Communication"), "#1565c0", "megaphone"),
    ("digitalization", _l("Digitalization"), "#6a1b9a", "device"),
)
DEFAULT_PRINCIPLES = (_l("Citizen participation"), _l("Transparency"), _l("Digitalization"))
PALETTE = ("#2e7d32", "#1565c0", "#6a1b9a", "#c62828", "#ef6c00", "#00838f", "#5d4037", "#ad1457")


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db.session.scalar(select(Workshop.id).where(Workshop.code == code)):
            return code


def normalize_code(code: str) -> str:
    """Codes are typed on phones: accept lower case, spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]


def find_workshop(code: str) -> Workshop:
    workshop = db.session.scalar(select(Workshop).where(Workshop.code == normalize_code(code)))
    if workshop is None:
        raise not_found(_l("No workshop has this code. Check the code on the screen."))
    return workshop


def default_axes(language: str) -> tuple[list[str], list[str]]:
    """The Ait Amira axes and principles, in the workshop's language."""
    with force_locale(language):
        return [str(t[1]) for t in DEFAULT_THEMES], [str(p) for p in DEFAULT_PRINCIPLES]


def search_workshops(
    user: User, *, text: str | None = None, on: date | None = None, status: str | None = None
) -> list[Workshop]:
    """The commune's workshops whose title or an axis contains text, held on a date, in a status; newest first."""
    query = select(Workshop).where(Workshop.commune_id == user.commune_id)
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        axis = select(Theme.workshop_id).where(Theme.name.ilike(pattern))
        query = query.where(Workshop.title.ilike(pattern) | Workshop.id.in_(axis))
    if on is not None:
        query = query.where(Workshop.date == on)
    if status in Workshop.STATUSES:
        query = query.where(Workshop.status == status)
    return list(db.session.scalars(query.order_by(Workshop.date.desc(), Workshop.created_at.desc())))


def _clean_lines(lines: list[str], *, field: str, max_items: int) -> list[str]:
    names = []
    for line in lines:
        name = clean_text(line, field=field, max_length=120, required=False, multiline=False)
        if name and name not in names:
            names.append(name)
    if len(names) > max_items:
        raise invalid(_l("At most %(max)d entries.", max=max_items), field)
    return names


def create_workshop(
    user: User,
    *,
    title: str,
    workshop_date: date | None = None,
    venue: str | None = None,
    language: str = "ar",
    axes: list[str] | None = None,
    principles: list[str] | None = None,
    axis_names: dict[str, list[str]] | None = None,
) -> Workshop:
    """A draft workshop of the user's commune; without axes it gets the three Ait Amira axes."""
    if not user.can_facilitate:
        raise forbidden()
    if language not in LANGUAGES:
        raise invalid(_l("This choice is not valid."), "language")
    workshop = Workshop(
        commune_id=user.commune_id,
        created_by_id=user.id,
        title=clean_text(title, field="title", max_length=200, multiline=False),
        date=workshop_date,
        venue=clean_text(venue, field="venue", max_length=200, required=False, multiline=False),
        language=language,
        code=new_code(),
        status="draft",
    )
    default_names, default_principles = default_axes(language)
    workshop.principles = _clean_lines(
        default_principles if principles is None else principles, field="principles", max_items=MAX_THEMES
    )
    db.session.add(workshop)
    set_axes(workshop, user, default_names if axes is None else axes, axis_names)
    return workshop


def set_axes(workshop: Workshop, user: User, names: list[str], other_names: dict[str, list[str]] | None = None) -> None:
    """Rename, add and remove axes in order; a new axis has one group (arrange_tables adds the other tables). An axis
    with items cannot be removed.

    other_names gives, per language, the axes' names in the same order (a blank line: none in that language)."""
    check_facilitator(workshop, user)
    names = _clean_lines(names, field="axes", max_items=MAX_THEMES)
    if not names:
        raise invalid(_l("A workshop needs at least one axis."), "axes")
    themes = list(workshop.themes)
    with force_locale(workshop.language):
        keys = {str(t[1]): t for t in DEFAULT_THEMES}
    for position, name in enumerate(names):
        if position < len(themes):
            theme = themes[position]
            if theme.name != name:
                theme.name, theme.key = name, None
            if other_names is not None:  # a language left out keeps its names
                kept = {k: v for k, v in (theme.names or {}).items() if k not in other_names and k != workshop.language}
                theme.names = {**kept, **_names_at(workshop, other_names, position)}
        else:
            builtin = keys.get(name)
            theme = Theme(
                workshop=workshop,
                key=builtin[0] if builtin else None,
                name=name,
                color=builtin[2] if builtin else PALETTE[position % len(PALETTE)],
                icon=builtin[3] if builtin else None,
                position=position,
                names=_names_at(workshop, other_names or {}, position),
            )
            db.session.add(theme)
            db.session.add(Group(workshop=workshop, theme=theme, position=position))
    for theme in themes[len(names) :]:
        if workshop.id and db.session.scalar(
            select(func.count(Item.id)).join(Group, Item.group_id == Group.id).where(Group.theme_id == theme.id)
        ):
            raise invalid(_l("The axis “%(name)s” already has items and cannot be removed.", name=theme.name), "axes")
        # Groups first: loading theme.groups after the theme is orphaned would flush its deletion under them.
        for group in list(theme.groups):
            workshop.groups.remove(group)
        workshop.themes.remove(theme)


def _names_at(workshop: Workshop, other_names: dict[str, list[str]], position: int) -> dict[str, str]:
    """The names of the axis at position in the other languages; the workshop's own language is Theme.name."""
    found = {}
    for lang, lines in other_names.items():
        if lang not in LANGUAGES or lang == workshop.language or position >= len(lines):
            continue
        name = clean_text(lines[position], field=f"axes_{lang}", max_length=120, required=False, multiline=False)
        if name:
            found[lang] = name
    return found


def update_workshop(
    workshop: Workshop,
    user: User,
    *,
    title: str,
    workshop_date: date | None,
    venue: str | None,
    language: str,
    axes: list[str],
    principles: list[str],
    settings: dict[str, object] | None = None,
    axis_names: dict[str, list[str]] | None = None,
) -> None:
    """Save the workshop form: what it is, its axes (axis_names: in other languages, as set_axes takes them) and
    principles, and (settings) the keys update_settings takes."""
    check_facilitator(workshop, user)
    lock_open(workshop, drafts=True)
    before = _screen_state(workshop)
    if language not in LANGUAGES:
        raise invalid(_l("This choice is not valid."), "language")
    workshop.title = clean_text(title, field="title", max_length=200, multiline=False)
    workshop.date = workshop_date
    workshop.venue = clean_text(venue, field="venue", max_length=200, required=False, multiline=False)
    workshop.language = language
    workshop.principles = _clean_lines(principles, field="principles", max_items=MAX_THEMES)
    tables = int(workshop.setting("tables_per_axis"))
    set_axes(workshop, user, axes, axis_names)
    _apply_settings(workshop, **(settings or {}))
    arrange_tables(workshop, tables)
    _announce(workshop, user, before)


def _screen_state(workshop: Workshop) -> dict[str, object]:
    """What the screens draw of the workshop itself: the payload less what moves on its own (timer, seq)."""
    payload = workshop_payload(workshop)
    del payload["timer"], payload["seq"]
    return payload


def _announce(workshop: Workshop, user: User, before: dict[str, object]) -> None:
    """One workshop.updated per save, and only when the screens would draw something else."""
    if workshop.status != "open":
        return
    db.session.flush()
    if _screen_state(workshop) != before:
        record_event(workshop, "workshop.updated", workshop_payload(workshop), user=user)


VOTES_MAX = 20


def update_settings(
    workshop: Workshop,
    user: User,
    *,
    votes_per_participant: object = None,
    hide_votes: object = None,
    phase_actions: object = None,
    premoderation: object = None,
    tables_per_axis: object = None,
    table_size: object = None,
) -> None:
    """Voting budget, hidden counts, pre-moderation, what participants may do beyond each phase's default, and the
    tables of each axis (how many, and the size at which a full axis opens one more)."""
    check_facilitator(workshop, user)
    lock_open(workshop, drafts=True)
    before = _screen_state(workshop)
    tables = int(workshop.setting("tables_per_axis"))
    _apply_settings(
        workshop,
        votes_per_participant=votes_per_participant,
        hide_votes=hide_votes,
        phase_actions=phase_actions,
        premoderation=premoderation,
        tables_per_axis=tables_per_axis,
        table_size=table_size,
    )
    arrange_tables(workshop, tables)
    _announce(workshop, user, before)


def _apply_settings(
    workshop: Workshop,
    *,
    votes_per_participant: object = None,
    hide_votes: object = None,
    phase_actions: object = None,
    premoderation: object = None,
    tables_per_axis: object = None,
    table_size: object = None,
) -> None:
    settings = dict(workshop.settings or {})
    if tables_per_axis is not None:
        settings["tables_per_axis"] = check_tables_per_axis(tables_per_axis)
    if table_size is not None:
        settings["table_size"] = check_table_size(table_size)
    if votes_per_participant is not None:
        if isinstance(votes_per_participant, bool) or not isinstance(votes_per_participant, int):
            raise invalid(_l("Give a number of dots from 1 to %(max)d.", max=VOTES_MAX), "votes_per_participant")
        if not 1 <= votes_per_participant <= VOTES_MAX:
            raise invalid(_l("Give a number of dots from 1 to %(max)d.", max=VOTES_MAX), "votes_per_participant")
        settings["votes_per_participant"] = votes_per_participant
    if hide_votes is not None:
        if not isinstance(hide_votes, bool):
            raise invalid(_l("This choice is not valid."), "hide_votes")
        settings["hide_votes"] = hide_votes
    if premoderation is not None:
        if not isinstance(premoderation, bool):
            raise invalid(_l("This choice is not valid."), "premoderation")
        settings["premoderation"] = premoderation
    if phase_actions is not None:
        if not isinstance(phase_actions, dict) or any(
            phase not in PHASES or not isinstance(actions, list) or any(a not in ACTIONS for a in actions)
            for phase, actions in phase_actions.items()
        ):
            raise invalid(_l("This choice is not valid."), "phase_actions")
        settings["phase_actions"] = {phase: sorted(set(actions)) for phase, actions in phase_actions.items() if actions}
    workshop.settings = settings  # a new dict: the JSON column sees the change


def open_workshop(workshop: Workshop, user: User) -> None:
    """Participants can join and post once the workshop is open."""
    check_facilitator(workshop, user)
    lock_workshop(workshop)
    if workshop.status == "open":
        return
    if workshop.purged_at is not None:
        # Its participants are gone: new posts would have nobody behind them and figures nobody could check.
        raise invalid(_l("The personal data of this workshop was purged: it cannot be reopened."))
    workshop.status = "open"
    workshop.opened_at = workshop.opened_at or utcnow()
    workshop.closed_at = None
    if workshop.phase == "closed":
        workshop.phase = "synthesis"  # reopened to finish the report, not to post again
    db.session.flush()
    record_event(workshop, "workshop.opened", {"status": "open", "phase": workshop.phase}, user=user)


def close_workshop(workshop: Workshop, user: User) -> None:
    check_facilitator(workshop, user)
    lock_workshop(workshop)
    if workshop.status == "closed":
        return
    if workshop.status == "draft":
        raise invalid(_l("A draft workshop cannot be closed."))
    workshop.status = "closed"
    workshop.phase = "closed"
    workshop.closed_at = utcnow()
    workshop.timer_ends_at = workshop.timer_remaining = workshop.timer_duration = None
    record_event(workshop, "workshop.closed", {"status": "closed", "phase": "closed"}, user=user)


def workshops_of(user: User) -> list[Workshop]:
    return list(
        db.session.scalars(
            select(Workshop).where(Workshop.commune_id == user.commune_id).order_by(Workshop.created_at.desc())
        )
    )
