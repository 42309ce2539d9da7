"""The consultation on the draft, as a citizen meets it (no account, plain forms) and as the commune answers it.

Citizens' pages carry a CSRF token and what this browser supports, so they are private (never cached by a proxy),
unlike the process's public pages. A browser is known by a random id kept in its session cookie.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from consult.extensions import db
from consult.i18n import LANGUAGES
from consult.labels import AGE_LABELS, CATEGORY_LABELS, GENDER_LABELS
from consult.models import Process, Recommendation
from consult.models.consultation import RESPONSES, SOURCES
from consult.reports.consultation import FORMATS, filename, render_off_loop
from consult.reports.export import MIMETYPES
from consult.services import ServiceError, unit_of_work
from consult.services.consultation import (
    COMMENT_MAX,
    close_consultation,
    comments_of,
    consultation_status,
    consultation_step,
    current_text,
    draft_axes,
    draft_recommendation,
    find_comment,
    local_day,
    moderate_comment,
    next_unanswered,
    numbered_draft,
    open_consultation,
    post_comment,
    queue_of,
    respond,
    results,
    support,
    support_count,
    supported_by,
    withdraw_support,
)
from consult.services.numbering import process_numbers
from consult.services.publication import published_process
from consult.services.text import as_id, get_by_id
from consult.throttle import RateLimited, client_address, hit
from consult.web.forms import show_error
from consult.web.participate import NOT_SAID, options
from consult.web.processes import readable_process
from consult.web.public import REPORT_MAX_AGE, cacheable

bp = Blueprint("consultation", __name__)


class SupportForm(FlaskForm):
    action = HiddenField(default="support")


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Your comment"), render_kw={"maxlength": COMMENT_MAX, "rows": 4, "dir": "auto"})
    axis = SelectField(_l("Axis"), choices=[], validate_choice=False)
    category = SelectField(_l("You are"), choices=[NOT_SAID, *options(CATEGORY_LABELS)], validate_choice=False)
    gender = SelectField(_l("Gender"), choices=[NOT_SAID, *options(GENDER_LABELS)], validate_choice=False)
    age_band = SelectField(_l("Age"), choices=[NOT_SAID, *options(AGE_LABELS)], validate_choice=False)
    consent = BooleanField(_l("I have read the notice on my data and I agree."))
    client_id = HiddenField()


class PaperForm(CommentForm):
    recommendation = SelectField(_l("About"), choices=[], validate_choice=False)
    source = SelectField(_l("Received"), choices=options({k: v for k, v in SOURCES.items() if k != "online"}))


class RespondForm(FlaskForm):
    response = RadioField(_l("Answer"), choices=options(RESPONSES), validate_choice=False)
    text = TextAreaField(_l("What the commune answers"), render_kw={"rows": 2, "dir": "auto"})
    covered_by = SelectField(_l("Covered by"), choices=[], validate_choice=False)
    new_text = TextAreaField(_l("New wording of the recommendation (optional)"), render_kw={"rows": 2, "dir": "auto"})


class OpenForm(FlaskForm):
    closes_on = DateField(_l("Closes on"), validators=[Optional()])


def _process(commune_slug: str, process_slug: str) -> Process:
    try:
        process = published_process(commune_slug, process_slug)
    except ServiceError:
        abort(404)
    if consultation_step(process) is None:
        abort(404)
    return process


def _browser() -> str:
    """This browser's random id, kept in its (signed, permanent) session cookie."""
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(18)
        session.permanent = True
    return session["browser"]


def _throttle(name: str) -> None:
    hit(f"RATELIMIT_CONSULT_{name}_BROWSER", _browser())
    hit(f"RATELIMIT_CONSULT_{name}_ADDRESS", client_address())


def _meta(process: Process, title: str) -> dict:
    return {
        "page_title": f"{title} · {process.title}",
        "page_summary": process.description or process.title,
        "canonical_url": request.base_url,
    }


@bp.context_processor
def consultation_helpers() -> dict:
    return {"local_day": local_day, "responses": RESPONSES, "sources": SOURCES}


@bp.after_request
def never_cached(response):
    # A citizen's page holds a CSRF token and this browser's supports: no proxy may keep it for the next reader.
    if request.endpoint != "consultation.report":  # the report is the same bytes for everyone, cached like /p pages
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/p/<commune_slug>/<process_slug>/consultation")
def draft_page(commune_slug: str, process_slug: str):
    """The draft, axis by axis: each recommendation with its supports, a support button and a link to comment."""
    process = _process(commune_slug, process_slug)
    step = consultation_step(process)
    recs, numbers = numbered_draft(process)
    figures = results(step, recs=recs)
    by_rec = {row["id"]: row for row in figures["recommendations"]}
    mine = supported_by(step, session.get("browser"))
    axes: dict[str, list] = {}
    for rec in recs:
        axes.setdefault(rec.theme.name, []).append(
            {
                "rec": rec,
                "number": numbers[rec.id],
                "text": current_text(rec),
                "figures": by_rec[rec.id],
                "mine": rec.id in mine,
            }
        )
    return render_template(
        "consultation/draft.html",
        **_meta(process, _("Consultation on the draft")),
        process=process,
        step=step,
        status=consultation_status(step),
        axes=axes,
        all_axes=draft_axes(process),
        figures=figures,
        form=SupportForm(),
    )


def _rec(process: Process, rec_id: int) -> Recommendation:
    try:
        return draft_recommendation(process, rec_id)
    except ServiceError:
        abort(404)


@bp.route("/p/<commune_slug>/<process_slug>/consultation/<int:rec_id>/support", methods=["POST"])
def support_door(commune_slug: str, process_slug: str, rec_id: int):
    """Support a recommendation, or take the support back (action=withdraw); a script may ask for JSON."""
    process = _process(commune_slug, process_slug)
    step = consultation_step(process)
    rec = _rec(process, rec_id)
    form = SupportForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit():
        abort(400)
    try:
        _throttle("SUPPORT")
        with unit_of_work():
            if form.action.data == "withdraw":
                withdraw_support(step, rec, browser=_browser())
            else:
                support(step, rec, browser=_browser(), address=client_address())
    except ServiceError as error:
        status = 429 if isinstance(error, RateLimited) else 409 if error.code == "closed" else 400
        if wants_json:
            return jsonify(error=error.as_dict()), status
        flash(str(error.message), "error")
    else:
        if wants_json:
            return jsonify(ok=True, supports=support_count(step, rec), mine=rec.id in supported_by(step, _browser()))
    return redirect(url_for(".draft_page", commune_slug=commune_slug, process_slug=process_slug) + f"#r{rec.id}", 303)


def _comment_page(process: Process, rec: Recommendation | None, form: CommentForm, status: int = 200):
    step = consultation_step(process)
    numbers = process_numbers(process)
    published = comments_of(step, statuses=("visible", "merged"), about=rec)
    browser = session.get("browser")
    waiting = comments_of(step, statuses=("pending",), about=rec, browser=browser) if browser else []
    return (
        render_template(
            "consultation/comment.html",
            **_meta(process, rec.title if rec else _("New proposals")),
            process=process,
            step=step,
            status=consultation_status(step),
            rec=rec,
            number=numbers.get(rec.id) if rec else None,
            text=current_text(rec) if rec else None,
            numbers=numbers,
            published=published,
            waiting=waiting,
            form=form,
        ),
        status,
    )


def _comment_door(process: Process, rec: Recommendation | None):
    step = consultation_step(process)
    form = CommentForm()
    form.axis.choices = [SelectChoice(a, a) for a in draft_axes(process)]
    if not form.client_id.data:
        form.client_id.data = secrets.token_hex(8)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            _throttle("COMMENT")
            with unit_of_work():
                post_comment(
                    step,
                    text=form.text.data,
                    consent=form.consent.data,
                    recommendation=rec,
                    axis=None if rec else form.axis.data,
                    category=form.category.data or None,
                    gender=form.gender.data or None,
                    age_band=form.age_band.data or None,
                    browser=_browser(),
                    address=client_address(),
                    client_id=form.client_id.data,
                )
        except ServiceError as error:
            show_error(form, error)
            return _comment_page(process, rec, form, 429 if isinstance(error, RateLimited) else 400)
        flash(_("Thank you. Your comment will appear once the commune has checked it."), "success")
        return redirect(request.path, 303)
    return _comment_page(process, rec, form)


@bp.route("/p/<commune_slug>/<process_slug>/consultation/<int:rec_id>", methods=["GET", "POST"])
def comment_door(commune_slug: str, process_slug: str, rec_id: int):
    """A recommendation of the draft: its published comments with the commune's answers, and the comment form."""
    process = _process(commune_slug, process_slug)
    return _comment_door(process, _rec(process, rec_id))


@bp.route("/p/<commune_slug>/<process_slug>/consultation/proposals", methods=["GET", "POST"])
def proposal_door(commune_slug: str, process_slug: str):
    """New proposals under an axis, and the form to make one."""
    process = _process(commune_slug, process_slug)
    return _comment_door(process, None)


# The commune's side: open and close, moderate, answer, type in what came on paper.


def _editable_step(process_id: int):
    process = readable_process(process_id)
    step = consultation_step(process)
    if step is None:
        abort(404)
    return process, step


def _run(fn, *args, **kwargs) -> bool:
    try:
        with unit_of_work():
            fn(*args, **kwargs)
    except ServiceError as error:
        flash(str(error.message), "error")
        return False
    return True


@bp.route("/processes/<int:process_id>/consultation", methods=["GET", "POST"])
@login_required
def queue(process_id: int):
    """Moderation and answers: waiting comments first, then published ones without an answer, then the answered."""
    process, step = _editable_step(process_id)
    recs, numbers = numbered_draft(process)
    paper = PaperForm(prefix="paper")
    paper.recommendation.choices = [SelectChoice(str(r.id), f"{numbers[r.id]}. {r.title}") for r in recs] + [
        SelectChoice("", _("A new proposal"))
    ]
    paper.axis.choices = [SelectChoice(a, a) for a in draft_axes(process)]
    if request.method == "POST" and paper.validate_on_submit():
        rec_id = as_id(paper.recommendation.data)
        rec = get_by_id(Recommendation, rec_id) if rec_id else None
        if _run(
            post_comment,
            step,
            text=paper.text.data,
            consent=None,
            recommendation=rec,
            axis=None if rec else paper.axis.data,
            category=paper.category.data or None,
            gender=paper.gender.data or None,
            age_band=paper.age_band.data or None,
            user=current_user,
            source=paper.source.data,
        ):
            flash(_("Saved."), "success")
            return redirect(url_for(".queue", process_id=process.id), 303)
    buckets = queue_of(step)
    answer_forms = {}
    for c in buckets["published"]:
        f = RespondForm(prefix=f"c{c.id}", formdata=None)
        f.covered_by.choices = [SelectChoice(str(r.id), f"{numbers[r.id]}. {r.title}") for r in recs]
        f.response.data = c.response
        f.text.data = c.response_text
        answer_forms[c.id] = f
    return render_template(
        "consultation/queue.html",
        process=process,
        step=step,
        status=consultation_status(step),
        figures=results(step, recs=recs),
        **buckets,
        answer_forms=answer_forms,
        numbers=numbers,
        paper=paper,
        open_form=OpenForm(prefix="open"),
        can_edit=current_user.can_facilitate,
    )


@bp.route("/processes/<int:process_id>/consultation/<any(open, close):action>", methods=["POST"])
@login_required
def open_close(process_id: int, action: str):
    process, step = _editable_step(process_id)
    form = OpenForm(prefix="open")
    if not form.validate_on_submit():
        abort(400)
    if action == "open":
        _run(open_consultation, step, current_user, closes_on=form.closes_on.data)
    else:
        _run(close_consultation, step, current_user)
    return redirect(url_for(".queue", process_id=process.id), 303)


@bp.route("/processes/<int:process_id>/consultation/moderate", methods=["POST"])
@login_required
def moderate(process_id: int):
    """Approve the ticked comments at once, or reject or merge one."""
    process, step = _editable_step(process_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    ids = [i for i in (as_id(v) for v in request.form.getlist("ids")) if i is not None]
    try:
        with unit_of_work():
            into = None
            if action == "merge":
                into_id = as_id(request.form.get("into"))
                into = find_comment(step, into_id) if into_id else None
            for comment_id in ids:
                moderate_comment(
                    find_comment(step, comment_id), current_user, action, reason=request.form.get("reason"), into=into
                )
    except ServiceError as error:
        flash(str(error.message), "error")
    return redirect(url_for(".queue", process_id=process.id) + "#waiting", 303)


@bp.route("/processes/<int:process_id>/consultation/<int:comment_id>/answer", methods=["POST"])
@login_required
def answer(process_id: int, comment_id: int):
    process, step = _editable_step(process_id)
    form = RespondForm(prefix=f"c{comment_id}")
    if not form.validate_on_submit():
        abort(400)
    covered_id = as_id(form.covered_by.data)
    covered = get_by_id(Recommendation, covered_id) if covered_id else None
    try:
        comment = find_comment(step, comment_id)
    except ServiceError:
        abort(404)
    _run(
        respond,
        comment,
        current_user,
        response=form.response.data,
        text=form.text.data,
        covered_by=covered,
        new_text=form.new_text.data,
    )
    # Straight on to the next comment still without an answer: one submit per answer.
    following = next_unanswered(step)
    anchor = f"#c{following}" if following else "#answered"
    return redirect(url_for(".queue", process_id=process.id) + anchor, 303)


@bp.route("/p/<commune_slug>/<process_slug>/consultation/report.<fmt>")
def report(commune_slug: str, process_slug: str, fmt: str):
    """The consultation's public report once it has opened, in ?lang= (else the reader's language); no cookie."""
    process = _process(commune_slug, process_slug)
    lang = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "ar"
    opened = consultation_status(consultation_step(process)) in ("open", "closed")
    if fmt not in FORMATS or lang not in LANGUAGES or not opened:
        abort(404)
    data = render_off_loop(process, fmt, lang)
    db.session.rollback()  # the read's transaction ends before the response is sent
    disposition = "inline" if fmt in ("pdf", "json") else "attachment"
    return cacheable(
        data,
        MIMETYPES[fmt],
        max_age=REPORT_MAX_AGE,
        **{"Content-Disposition": f'{disposition}; filename="{filename(process, fmt, lang)}"'},
    )
