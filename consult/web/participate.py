"""The participant's pages: enter a code, join, choose a group, post. All work without JavaScript."""

from __future__ import annotations

import io
import uuid

import segno
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from consult.labels import AGE_LABELS, CATEGORY_LABELS, GENDER_LABELS
from consult.models import Participant, Workshop
from consult.payloads import allowed_actions
from consult.services import ServiceError, unit_of_work
from consult.services.items import group_items, post_item
from consult.services.participants import NICKNAME_MAX, choose_group, join_workshop, participant_by_token
from consult.services.tables import seat_participant
from consult.services.text import ITEM_TEXT_MAX, as_id
from consult.services.votes import cast_vote, my_votes, withdraw_vote
from consult.services.workshops import find_workshop, normalize_code
from consult.throttle import code_lookup, join_limit, posting, wrong_code
from consult.web.screens import (
    MODERATION_LABELS,
    PHASE_NAMES,
    RECOMMENDATION_LABELS,
    hint_labels,
    labels,
    phase_hint,
    snapshot,
)

bp = Blueprint("participate", __name__)

NOT_SAID = SelectChoice("", _l("I prefer not to say"))


def options(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class CodeForm(FlaskForm):
    code = StringField(_l("Workshop code"))


class JoinForm(FlaskForm):
    nickname = StringField(_l("Nickname (optional)"), render_kw={"maxlength": NICKNAME_MAX})
    # The services check every value and say what is wrong in the user's language.
    category = SelectField(_l("You are"), choices=[NOT_SAID, *options(CATEGORY_LABELS)], validate_choice=False)
    gender = SelectField(_l("Gender"), choices=[NOT_SAID, *options(GENDER_LABELS)], validate_choice=False)
    age_band = SelectField(_l("Age"), choices=[NOT_SAID, *options(AGE_LABELS)], validate_choice=False)
    consent = BooleanField(_l("I have read the notice on my data and I agree to take part."))


class PostForm(FlaskForm):
    kind = RadioField(
        _l("What are you posting?"),
        choices=options({"problem": _l("A problem"), "solution": _l("A solution")}),
        default="problem",
        validate_choice=False,  # post_item checks the kind and says why in the user's language
    )
    text = TextAreaField(_l("Your text"))
    parent_id = SelectField(_l("It answers the problem"), choices=[], validate_choice=False)
    client_id = HiddenField()


ROOM_LABELS = {
    "sent": _l("Posted. Thank you!"),
    "awaiting": _l("Sent. It will appear once the facilitator approves it."),
    "queued": _l("Saved on this phone; it will be sent when the connection returns."),
    "delivery_waiting": _l("Waiting"),  # a post the server has not acknowledged yet
    "delivery_sent": _l("Sent"),
    "closed": _l("This workshop is closed."),
    "vote": _l("Add a dot"),
    "unvote": _l("Take a dot back"),
    "my_dots": _l("My dots"),
    "dots_left": _l("Dots left"),
    # Said to the author of a hidden item ({text}, {reason}: their own words and the moderator's).
    "hidden_mine": _l("Thank you for your post “{text}”. It has been taken off the screens."),
    "hidden_reason": _l("The reason given: {reason}"),
    "hidden_no_reason": _l("No reason was given; you may ask the facilitator."),
    "you_and": _l("You and {name}"),  # a kept card that merged my post with someone else's
    "rapporteur": _l(
        "You are the rapporteur of your group: you can correct, pin and hide its items, and write the axis's "
        "recommendations."
    ),
}


def current_participant(workshop: Workshop) -> Participant | None:
    return participant_by_token(session.get("participants", {}).get(workshop.code), workshop)


def _load(code: str) -> Workshop:
    try:
        workshop = find_workshop(code)
    except ServiceError:
        abort(404)
    g.workshop_language = workshop.language
    return workshop


@bp.route("/", methods=["GET", "POST"])
@code_lookup(methods=["POST"])
def home():
    """Type the code shown on the screen."""
    form = CodeForm()
    if form.validate_on_submit():
        code = normalize_code(form.code.data)
        try:
            find_workshop(code)
            return redirect(url_for(".join", code=code))
        except ServiceError as error:
            wrong_code()
            form.code.errors.append(str(error.message))
    return render_template("home.html", form=form)


@bp.route("/j/<code>", methods=["GET", "POST"])
@code_lookup()
@join_limit
def join(code: str):
    """The notice on personal data, optional details, and the join button."""
    workshop = _load(code)
    if code != workshop.code:
        return redirect(url_for(".join", code=workshop.code))
    if current_participant(workshop):
        return redirect(url_for(".room", code=workshop.code))
    form = JoinForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                _participant, token = join_workshop(
                    workshop,
                    consent=form.consent.data,
                    nickname=form.nickname.data,
                    category=form.category.data or None,
                    gender=form.gender.data or None,
                    age_band=form.age_band.data or None,
                )
        except ServiceError as error:
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(str(error.message))
        else:
            session.permanent = True
            session["participants"] = {**session.get("participants", {}), workshop.code: token}
            return redirect(url_for(".room", code=workshop.code))
    return render_template("join.html", workshop=workshop, form=form)


def nest_items(items):
    """Problems in order, each with its solutions; solutions that answer nothing come last."""
    problems = [i for i in items if i.kind == "problem"]
    ids = {p.id for p in problems}
    answers: dict[int, list] = {}
    loose = []
    for item in items:
        if item.kind == "solution":
            if item.parent_id in ids:
                answers.setdefault(item.parent_id, []).append(item)
            else:
                loose.append(item)
    return [(p, answers.get(p.id, [])) for p in problems], loose


def form_id(value: str | None) -> object:
    """A form's id as the services take it: None when empty, a number when digits, else as sent (to be refused)."""
    if not value:
        return None
    number = as_id(value)
    return value if number is None else number


@bp.route("/w/<code>", methods=["GET", "POST"])
@code_lookup()
def room(code: str):
    """A participant's room: their group's problems and solutions, the post form, the other groups."""
    workshop = _load(code)
    participant = current_participant(workshop)
    if participant is None:
        return redirect(url_for(".join", code=workshop.code))
    form = PostForm()
    viewed_id = request.args.get("group", type=int) or participant.group_id
    viewed = next((gr for gr in workshop.groups if gr.id == viewed_id), None)
    if form.validate_on_submit():
        posting(request.remote_addr, workshop.id, participant.id)
        try:
            with unit_of_work():
                item, _created = post_item(
                    workshop,
                    participant,
                    group_id=participant.group_id,
                    kind=form.kind.data,
                    text=form.text.data,
                    client_id=form.client_id.data,
                    parent_id=form_id(form.parent_id.data) if form.kind.data == "solution" else None,
                )
        except ServiceError as error:
            flash(str(error.message), "error")
        else:
            flash(str(ROOM_LABELS["awaiting" if item.status == "pending" else "sent"]), "success")
            return redirect(url_for(".room", code=workshop.code, group=participant.group_id))
    items = group_items(workshop, viewed.id) if viewed else []
    problems, loose = nest_items(items)
    allowed = allowed_actions(workshop)
    if form.kind.data not in allowed and "solution" in allowed:
        form.kind.data = "solution"
    form.client_id.data = uuid.uuid4().hex  # a fresh id per form: a double tap posts once
    form.parent_id.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(str(p.id), p.text[:80]) for p, _s in problems
    ]
    return render_template(
        "room.html",
        workshop=workshop,
        participant=participant,
        viewed=viewed,
        tabs=room_tabs(workshop, participant),
        problems=problems,
        loose=loose,
        form=form,
        text_max=ITEM_TEXT_MAX,
        allowed=allowed,
        phase_name=PHASE_NAMES.get(workshop.phase, ""),
        phase_hint=phase_hint(workshop),
        snapshot=snapshot(
            workshop, participant=participant, group_id=viewed.id if viewed else None, with_items=viewed is not None
        ),
        labels=labels(ROOM_LABELS, hint_labels(), MODERATION_LABELS, RECOMMENDATION_LABELS),
        voting={"client_id": uuid.uuid4().hex, "mine": my_votes(participant)} if "vote" in allowed else None,
    )


def room_tabs(workshop: Workshop, participant: Participant) -> list:
    """The participant's table first, then the other tables of its axis, then the other axes."""
    mine = participant.group
    if mine is None:
        return list(workshop.groups)
    return sorted(workshop.groups, key=lambda g: (g.id != mine.id, g.theme_id != mine.theme_id, g.position))


@bp.route("/w/<code>/vote", methods=["POST"])
@code_lookup()
def vote(code: str):
    """Put a dot on an item or take it back (the plain-form way; the room does it live)."""
    workshop = _load(code)
    participant = current_participant(workshop)
    if participant is None:
        return redirect(url_for(".join", code=workshop.code))
    if FlaskForm().validate_on_submit():
        change = withdraw_vote if request.form.get("action") == "unvote" else cast_vote
        try:
            with unit_of_work():
                change(
                    workshop,
                    participant,
                    item_id=form_id(request.form.get("item_id")),
                    client_id=request.form.get("client_id"),
                )
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for(".room", code=workshop.code, group=request.form.get("group", type=int)))


@bp.route("/w/<code>/group", methods=["POST"])
@code_lookup()
def pick_group(code: str):
    """Join a group (the plain-form way)."""
    return _take_seat(code, choose_group, "group_id")


@bp.route("/w/<code>/axis", methods=["POST"])
@code_lookup()
def pick_theme(code: str):
    """Pick an axis and take a seat at its least-full table (the plain-form way of join_theme)."""
    return _take_seat(code, seat_participant, "theme_id")


def _take_seat(code: str, seat, field: str):
    """A plain-form seat: the service seat(participant, id of field), then back to the room."""
    workshop = _load(code)
    participant = current_participant(workshop)
    if participant is None:
        return redirect(url_for(".join", code=workshop.code))
    if FlaskForm().validate_on_submit():
        try:
            with unit_of_work():
                seat(participant, request.form.get(field, type=int))
        except ServiceError as error:
            flash(str(error.message), "error")
    return redirect(url_for(".room", code=workshop.code))


def join_url(workshop: Workshop) -> str:
    from flask import current_app

    base = current_app.config.get("PUBLIC_URL")
    path = url_for("participate.join", code=workshop.code)
    return base.rstrip("/") + path if base else url_for("participate.join", code=workshop.code, _external=True)


@bp.route("/w/<code>/qr.svg")
@code_lookup()
def qr(code: str):
    """The QR code of the join link, as SVG: sharp on a projector at any size."""
    workshop = _load(code)
    svg = io.BytesIO()  # a whole SVG document: svg_inline() leaves out the namespace an <img> needs
    segno.make(join_url(workshop), error="m").save(svg, kind="svg", scale=8, border=2, dark="#000", light="#fff")
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})
