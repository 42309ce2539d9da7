"""The facilitator's pages: workshops of the commune, preparing one, opening it, and the projector board."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from consult.extensions import db
from consult.i18n import LANGUAGE_NAMES, plural_forms
from consult.labels import CATEGORY_LABELS, GENDER_LABELS
from consult.models import Workshop
from consult.models.workshop import PHASES, TABLE_NAME
from consult.payloads import participation_counts
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor, check_facilitator
from consult.services.items import group_items
from consult.services.phases import set_phase
from consult.services.workshops import (
    close_workshop,
    create_workshop,
    default_axes,
    find_workshop,
    open_workshop,
    update_settings,
    update_workshop,
    workshops_of,
)
from consult.web.forms import show_error
from consult.web.participate import join_url, nest_items, options
from consult.web.screens import (
    MODERATION_LABELS,
    PHASE_NAMES,
    RECOMMENDATION_LABELS,
    labels,
    participants_list,
    snapshot,
)

bp = Blueprint("facilitate", __name__)
BOARD_LABELS = {
    "keys": _l(
        "Keys: 1–9 one table · 0 all tables · T each axis's tables together · R recommendations · D dark · "
        "N / P next / previous phase · Space pause or resume the timer · ? this help"
    ),
}
CONTROL_LABELS = {
    **MODERATION_LABELS,
    **RECOMMENDATION_LABELS,
    "move": _l("Move to…"),
    "not_retained_button": _l("Not retained…"),
    "ask_reason": _l("Why is it not retained? The participants will see this answer."),
    "clear_decision": _l("Clear the decision"),
    "unmerge": _l("Unmerge"),
    "merged_here": _l("Merged into this one:"),
    "select": _l("Select"),
    "selected": _l("Selected"),
    "keep": _l("Keep"),
    "merge": _l("Merge"),
    "clear_selection": _l("Clear the selection"),
    "hidden_items": _l("Hidden items"),
    "reason": _l("Reason"),
    "no_rapporteur": _l("— no rapporteur —"),
    "participant": _l("Participant"),
    "in_group": _l("In this group"),
    "others": _l("Others"),
    "confirm_close": _l("Close the workshop? Participants will no longer be able to post or vote."),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "ask_reject": _l("Keep this item off the screens? Reason (optional):"),
    "suggestions": _l("Possible duplicates"),
    "suggestions_none": _l("No two items here seem to say the same thing."),
    "suggestions_refresh": _l("Look again"),
    "not_same": _l("Not the same"),
    "similarity": _l("similar"),
    "suggest_table": _l("This table"),
    "suggest_axis": _l("Every table of the axis"),
    "table": TABLE_NAME,
}


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"))
    date = DateField(_l("Date"), validators=[Optional()])
    venue = StringField(_l("Venue"))
    language = SelectField(_l("Language of the workshop"), choices=options(LANGUAGE_NAMES))
    axes = TextAreaField(_l("Axes, one per line (each axis gets its own group)"))
    principles = TextAreaField(_l("Principles, one per line"))
    votes_per_participant = IntegerField(_l("Dots per participant"), default=3, validators=[Optional()])
    hide_votes = BooleanField(_l("Hide the counts until the vote ends"))
    together = BooleanField(_l("Problems and solutions may be posted in the same phase"))
    premoderation = BooleanField(_l("Approve each new item before everyone sees it (pre-moderation)"))
    tables_per_axis = IntegerField(_l("Tables per axis"), default=1, validators=[Optional()])
    table_size = IntegerField(
        _l("Open a new table in an axis when all its tables have this many people (0: never)"),
        default=0,
        validators=[Optional()],
    )


# The axes in each other language, one textarea per language, lines in the same order as the axes.
for _code, _name in LANGUAGE_NAMES.items():
    setattr(
        WorkshopForm,
        f"axes_{_code}",
        TextAreaField(_l("In %(language)s: the same axes, one per line, in the same order", language=_name)),
    )


def _axis_names(form: WorkshopForm) -> dict[str, list[str]]:
    """Each language's lines as typed: a blank line keeps its place (that axis has no name in that language)."""
    names = {}
    for code in LANGUAGE_NAMES:
        data = getattr(form, f"axes_{code}").data
        if isinstance(data, str):
            names[code] = [line.strip() for line in data.strip("\n").splitlines()]
    return names


TOGETHER = {"problems": ["problem", "solution"], "solutions": ["problem", "solution"]}


def _settings(form: WorkshopForm) -> dict[str, object]:
    return {
        "votes_per_participant": form.votes_per_participant.data,
        "hide_votes": bool(form.hide_votes.data),
        "phase_actions": TOGETHER if form.together.data else {},
        "premoderation": bool(form.premoderation.data),
        "tables_per_axis": form.tables_per_axis.data,
        "table_size": form.table_size.data,
    }


def items_count(n: int) -> str:
    return ngettext("%(num)d item", "%(num)d items", n)


def participants_count(n: int) -> str:
    return ngettext("%(num)d participant", "%(num)d participants", n)


def more_count(n: int) -> str:
    return ngettext("+%(num)d more", "+%(num)d more", n)


def _lines(text: str | list[str] | None) -> list[str]:
    if isinstance(text, list):  # a POST without the field leaves the workshop's own list in the form (obj=)
        return text
    return [line for line in (text or "").splitlines() if line.strip()]


def _workshop_for_facilitator(code: str) -> Workshop:
    try:
        workshop = find_workshop(code)
        check_facilitator(workshop, current_user)
    except ServiceError:
        abort(404)  # another commune's workshop is not even acknowledged
    g.workshop_language = workshop.language
    return workshop


@bp.route("/facilitate/")
@login_required
def index():
    """The workshops of the facilitator's commune."""
    return render_template("facilitate/index.html", workshops=workshops_of(current_user))


@bp.route("/facilitate/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a workshop, with the Ait Amira axes and principles filled in."""
    form = WorkshopForm()
    if not form.is_submitted():
        axes, principles = default_axes(form.language.data or "ar")
        form.axes.data, form.principles.data = "\n".join(axes), "\n".join(principles)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                workshop = create_workshop(
                    current_user,
                    title=form.title.data,
                    workshop_date=form.date.data,
                    venue=form.venue.data,
                    language=form.language.data,
                    axes=_lines(form.axes.data),
                    principles=_lines(form.principles.data),
                    axis_names=_axis_names(form),
                )
                db.session.flush()
                update_settings(workshop, current_user, **_settings(form))
                code = workshop.code
        except ServiceError as error:
            show_error(form, error)
        else:
            return redirect(url_for(".workshop", code=code))
    return render_template("facilitate/edit.html", form=form, workshop=None)


@bp.route("/facilitate/<code>", methods=["GET", "POST"])
@login_required
def workshop(code: str):
    """One workshop: its settings, join code, QR code, and the open and close buttons."""
    found = _workshop_for_facilitator(code)
    form = WorkshopForm(obj=found)
    if not form.is_submitted():
        form.axes.data = "\n".join(t.name for t in found.themes)
        for code in LANGUAGE_NAMES:
            getattr(form, f"axes_{code}").data = "\n".join((t.names or {}).get(code, "") for t in found.themes)
        form.principles.data = "\n".join(found.principles or [])
        form.votes_per_participant.data = found.setting("votes_per_participant")
        form.hide_votes.data = bool(found.setting("hide_votes"))
        form.together.data = "solution" in (found.setting("phase_actions") or {}).get("problems", [])
        form.premoderation.data = bool(found.setting("premoderation"))
        form.tables_per_axis.data = found.setting("tables_per_axis")
        form.table_size.data = found.setting("table_size")
    if form.validate_on_submit():
        try:
            with unit_of_work():
                update_workshop(
                    found,
                    current_user,
                    title=form.title.data,
                    workshop_date=form.date.data,
                    venue=form.venue.data,
                    language=form.language.data,
                    axes=_lines(form.axes.data),
                    principles=_lines(form.principles.data),
                    settings=_settings(form),
                    axis_names=_axis_names(form),
                )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".workshop", code=found.code))
    return render_template(
        "facilitate/edit.html",
        form=form,
        workshop=found,
        join_url=join_url(found),
        counts=participation_counts(found),
        phase_names=PHASE_NAMES,
    )


@bp.route("/facilitate/<code>/<any(open, close):action>", methods=["POST"])
@login_required
def change_status(code: str, action: str):
    """Open or close the workshop."""
    found = _workshop_for_facilitator(code)
    if FlaskForm().validate_on_submit():
        try:
            with unit_of_work():
                (open_workshop if action == "open" else close_workshop)(found, current_user)
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for(".workshop", code=code))


@bp.route("/facilitate/<code>/phase", methods=["POST"])
@login_required
def change_phase(code: str):
    """Move to another phase (the plain-form way; the control panel does it live)."""
    found = _workshop_for_facilitator(code)
    if FlaskForm().validate_on_submit():
        try:
            with unit_of_work():
                set_phase(found, Actor(user=current_user), request.form.get("phase"))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for(".workshop", code=code))


@bp.route("/facilitate/<code>/control")
@login_required
def control(code: str):
    """The control panel: phases and timer, moderation, scribe mode, rapporteurs and recommendations, live."""
    found = _workshop_for_facilitator(code)
    return render_template(
        "facilitate/control.html",
        workshop=found,
        snapshot=snapshot(found, every_status=True),
        participants=participants_list(found),
        labels=labels(CONTROL_LABELS),
        categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
        genders={key: str(label) for key, label in GENDER_LABELS.items()},
        phases=PHASES,
    )


@bp.route("/facilitate/<code>/participants.json")
@login_required
def participants(code: str):
    """Who has joined (id, nickname, group): the control panel's rapporteur picker reloads it as people arrive."""
    found = _workshop_for_facilitator(code)
    return jsonify(participants=participants_list(found))


def table_grid(tables: int) -> tuple[int, int]:
    """Columns and rows of an axis's tables on the board: wide enough to read, two or three across at most."""
    across = 1 if tables <= 2 else 2 if tables <= 6 else 3
    return across, -(-tables // across)


@bp.route("/w/<code>/board")
@login_required
def board(code: str):
    """The projector board: one block per axis, one column per table, live; ?focus=<group id>, ?plenary=1 (each
    axis's tables together), ?view=recommendations, ?theme=dark."""
    found = _workshop_for_facilitator(code)
    g.screen_language = found.language  # the room reads the board in the workshop's language; ?lang= still wins
    refresh()
    items = group_items(found)
    counts = participation_counts(found)
    axes = []
    for theme in found.themes:
        columns = []
        for group in theme.groups:
            mine = [i for i in items if i.group_id == group.id]
            problems, loose = nest_items(mine)
            columns.append({"group": group, "problems": problems, "loose": loose, "count": len(mine)})
        axes.append(
            {
                "theme": theme,
                "columns": columns,
                "grid": table_grid(len(columns)),
                "count": sum(c["count"] for c in columns),
                "participants": sum(counts["by_group"].get(str(c["group"].id), 0) for c in columns),
            }
        )
    return render_template(
        "board.html",
        workshop=found,
        axes=axes,
        join_url=join_url(found),
        counts=counts,
        snapshot=snapshot(found),
        labels={
            **labels(BOARD_LABELS),
            "items_count": plural_forms(items_count),
            "participants_count": plural_forms(participants_count),
            "more_count": plural_forms(more_count),
            "table": str(TABLE_NAME),
        },
        items_count=items_count,
        participants_count=participants_count,
    )
