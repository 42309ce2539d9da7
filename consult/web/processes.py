"""The commune's consultation processes: steps, workshops, publishing, the council's adoption, follow-up, documents.

Admins and facilitators change a process of their own commune; staff read the same pages without forms; another
commune's account gets 404. Every change is a service call in consult/services/processes.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from consult.extensions import csrf, db
from consult.models import Document, Process, Recommendation, Workshop
from consult.models.process import DECISIONS, DOCUMENT_KINDS, FOLLOW_STATUSES, PROCESS_KINDS, STEP_KINDS, STEP_STATUSES
from consult.payloads import recommendations_payload
from consult.services import ServiceError, unit_of_work
from consult.services.numbering import workshop_numbers
from consult.services.processes import (
    attach_workshop,
    check_process_reader,
    create_process,
    delete_document,
    detach_workshop,
    document_path,
    follow_state,
    post_follow_up,
    processes_of,
    publish_workshop,
    record_adoption,
    set_steps,
    store_document,
    update_process,
    withdraw_workshop,
)
from consult.services.processes import public_url as public_address
from consult.services.workshops import workshops_of
from consult.web.facilitate import _workshop_for_facilitator
from consult.web.forms import show_error
from consult.web.participate import options

bp = Blueprint("processes", __name__)


class ProcessForm(FlaskForm):
    title = StringField(_l("Title"))
    kind = SelectField(_l("Kind of consultation"), choices=options(PROCESS_KINDS))
    description = TextAreaField(_l("Description"))


class ProcessDetailsForm(ProcessForm):
    slug = StringField(_l("Public address"))
    published = BooleanField(_l("The public page is online"))


class StepRow(Form):
    kind = SelectField(_l("Step"), choices=options(STEP_KINDS))
    title = StringField(_l("Own title (optional)"))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=options(STEP_STATUSES))


class StepsForm(FlaskForm):
    steps = FieldList(FormField(StepRow), min_entries=0)


class AdoptionForm(FlaskForm):
    session_name = StringField(_l("Council session"))
    session_date = DateField(_l("Date of the session"), validators=[Optional()])
    decision = SelectField(_l("Decision"), choices=options(DECISIONS))
    amended_text = TextAreaField(_l("Amended text (if adopted as amended)"))
    reason = TextAreaField(_l("Reason (if not adopted)"))


class FollowUpForm(FlaskForm):
    status = SelectField(_l("Status"), choices=options(FOLLOW_STATUSES))
    # Text, not IntegerField: the service says what a progress figure may be, in one message.
    progress = StringField(_l("Progress (0 to 100)"))
    service = StringField(_l("Responsible service"))
    note = TextAreaField(_l("Note"))
    link = StringField(_l("Link (optional)"))
    document = FileField(_l("Document (optional): PDF, PNG or JPEG"))


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"))
    kind = SelectField(_l("Kind of document"), choices=options(DOCUMENT_KINDS))
    dated = DateField(_l("Date"), validators=[Optional()])
    file = FileField(_l("File: PDF, PNG or JPEG"))


def readable_process(process_id: int) -> Process:
    """The process, for any account of its commune; another commune's is not even acknowledged."""
    process = db.session.get(Process, process_id)
    if process is None:
        abort(404)
    try:
        check_process_reader(process, current_user)
    except ServiceError:
        abort(404)
    return process


def _editable(process_id: int) -> Process:
    """The process, for a POST: staff of the commune read it but are refused a change."""
    process = readable_process(process_id)
    if not current_user.can_facilitate:
        abort(403)
    return process


def _recommendation(process: Process, rec_id: int) -> Recommendation:
    rec = db.session.get(Recommendation, rec_id)
    workshop = db.session.get(Workshop, rec.workshop_id) if rec else None
    if workshop is None or workshop.process_id != process.id:
        abort(404)
    return rec


def _allow_upload() -> str | None:
    """Lift this request's size limit to a document's, then check CSRF; the form's message if the body is too large.

    The global hook is skipped for these views (csrf.exempt) because it reads the body under the 256 KB limit.
    """
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    request.max_content_length = limit + 64 * 1024
    try:
        request.form  # noqa: B018 (parse the body now, under the lifted limit)
    except RequestEntityTooLarge:
        return _("This file is too large (at most %(max)d MB).", max=limit // (1024 * 1024))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return None


def _workshop_rows(process: Process) -> list[dict]:
    rows = []
    for workshop in process.workshops:
        recs = recommendations_payload(workshop) if workshop.published_at else []
        by_id = {
            r.id: r for r in db.session.scalars(select(Recommendation).where(Recommendation.workshop_id == workshop.id))
        }
        rows.append(
            {
                "workshop": workshop,
                "recommendations": [
                    {"number": r["number"], "rec": by_id[r["id"]], "state": follow_state(by_id[r["id"]])} for r in recs
                ],
            }
        )
    return rows


def public_url(process: Process) -> str:
    """Where the citizens read the process (the public pages live in another blueprint)."""
    return public_address(process, "")


@bp.app_context_processor
def process_helpers():
    return {"process_public_url": public_url, "processes_for_attach": lambda: processes_of(current_user)}


@bp.route("/processes")
@login_required
def index():
    """The consultation processes of the user's commune."""
    return render_template("processes/index.html", processes=processes_of(current_user), kinds=PROCESS_KINDS)


@bp.route("/processes/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a process; its kind fills in the steps (seed 000's PAC phases, the open-commune programme)."""
    if not current_user.can_facilitate:
        abort(403)
    form = ProcessForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                process = create_process(
                    current_user, title=form.title.data, kind=form.kind.data, description=form.description.data
                )
                process_id = process.id
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".edit", process_id=process_id))
    return render_template("processes/new.html", form=form, kinds=PROCESS_KINDS)


def _steps_form(process: Process, formdata=None) -> StepsForm:
    form = StepsForm(formdata=formdata)
    if formdata is None:
        for step in process.steps:
            form.steps.append_entry(
                {
                    "kind": step.kind,
                    "title": step.title or "",
                    "starts_on": step.starts_on,
                    "ends_on": step.ends_on,
                    "status": step.status,
                }
            )
    return form


def _edit_page(process: Process, details: ProcessDetailsForm | None = None, steps: StepsForm | None = None, **extra):
    if details is None:
        details = ProcessDetailsForm(formdata=None, obj=process)
        details.published.data = process.is_published
    attached = {w.id for w in process.workshops}
    return render_template(
        "processes/edit.html",
        process=process,
        details=details,
        steps=steps or _steps_form(process),
        documents_form=extra.pop("documents_form", None) or DocumentForm(formdata=None),
        workshop_rows=_workshop_rows(process),
        free_workshops=[w for w in workshops_of(current_user) if w.id not in attached],
        editable=current_user.can_facilitate,
        kinds=PROCESS_KINDS,
        step_statuses=STEP_STATUSES,
        step_kinds=STEP_KINDS,
        decisions=DECISIONS,
        follow_statuses=FOLLOW_STATUSES,
        document_kinds=DOCUMENT_KINDS,
        public_url=public_url(process),
        **extra,
    )


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
@login_required
def edit(process_id: int):
    """A process: what it is, its steps, its workshops and their publication, the recommendations, the documents."""
    process = readable_process(process_id) if request.method == "GET" else _editable(process_id)
    if request.method == "GET":
        return _edit_page(process)
    details = ProcessDetailsForm()
    if details.validate_on_submit():
        try:
            with unit_of_work():
                update_process(
                    process,
                    current_user,
                    title=details.title.data,
                    kind=details.kind.data,
                    description=details.description.data,
                    slug=details.slug.data,
                    published=bool(details.published.data),
                )
        except ServiceError as error:
            show_error(details, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".edit", process_id=process.id))
    db.session.refresh(process)
    return _edit_page(process, details=details), 400


@bp.route("/processes/<int:process_id>/steps", methods=["POST"])
@login_required
def steps(process_id: int):
    """Save the steps, or add, remove or move a row first (plain buttons: no script needed)."""
    process = _editable(process_id)
    form = _steps_form(process, formdata=request.form)
    action = request.form.get("action", "save")
    if not form.validate_on_submit():
        return _edit_page(process, steps=form), 400
    rows = [dict(entry.data) for entry in form.steps]
    for row in rows:
        row.pop("csrf_token", None)
    if action == "add":
        rows.append({"kind": "other", "title": "", "starts_on": None, "ends_on": None, "status": "planned"})
    elif action.startswith(("remove-", "up-", "down-")):
        verb, _sep, index = action.partition("-")
        i = int(index) if index.isdigit() else -1
        if not 0 <= i < len(rows):
            abort(400)
        if verb == "remove":
            rows.pop(i)
        elif verb == "up" and i > 0:
            rows[i - 1], rows[i] = rows[i], rows[i - 1]
        elif verb == "down" and i < len(rows) - 1:
            rows[i + 1], rows[i] = rows[i], rows[i + 1]
    try:
        with unit_of_work():
            set_steps(process, current_user, rows)
    except ServiceError as error:
        form.form_errors.append(str(error.message))
        db.session.refresh(process)
        return _edit_page(process, steps=form), 400
    flash(_("Saved."), "success")
    return redirect(url_for(".edit", process_id=process.id, _anchor="steps"))


@bp.route("/processes/<int:process_id>/workshops", methods=["POST"])
@login_required
def attach(process_id: int):
    """Attach a workshop of the commune to the process (it may come from another process)."""
    process = _editable(process_id)
    if FlaskForm().validate_on_submit():
        code = request.form.get("workshop", "")
        workshop = db.session.scalar(select(Workshop).where(Workshop.code == code))
        if workshop is None or workshop.commune_id != process.commune_id:
            flash(_("Choose a workshop."), "error")
        else:
            _run(attach_workshop, process, workshop, current_user)
    return redirect(url_for(".edit", process_id=process.id, _anchor="workshops"))


@bp.route("/processes/<int:process_id>/workshops/<code>/detach", methods=["POST"])
@login_required
def detach(process_id: int, code: str):
    """Take a workshop out of the process (its published outcome leaves the public page)."""
    process = _editable(process_id)
    workshop = db.session.scalar(select(Workshop).where(Workshop.code == code, Workshop.process_id == process.id))
    if workshop is None:
        abort(404)
    if FlaskForm().validate_on_submit():
        _run(detach_workshop, workshop, current_user)
    return redirect(url_for(".edit", process_id=process.id, _anchor="workshops"))


def _run(service, *args) -> bool:
    """One service call in its own commit; a refusal becomes the page's flash message."""
    try:
        with unit_of_work():
            service(*args)
    except ServiceError as error:
        flash(str(error.message), "error")
        return False
    flash(_("Saved."), "success")
    return True


def _back(default: str) -> str:
    """Where a form asked to return: only a path of this site's process or facilitator pages."""
    back = request.form.get("back", "")
    if back.startswith(("/processes/", "/facilitate/")) and "//" not in back and "\\" not in back:
        return back
    return default


@bp.route("/facilitate/<code>/<any(publish, withdraw):action>", methods=["POST"])
@login_required
def publication(code: str, action: str):
    """Publish a closed workshop's outcome on its process's public page, or withdraw it."""
    workshop = _workshop_for_facilitator(code)
    if FlaskForm().validate_on_submit():
        _run(publish_workshop if action == "publish" else withdraw_workshop, workshop, current_user)
    return redirect(_back(url_for("facilitate.workshop", code=workshop.code)))


@bp.route("/facilitate/<code>/process", methods=["POST"])
@login_required
def workshop_process(code: str):
    """From the workshop's page: put the workshop in a process of the commune, or take it out."""
    workshop = _workshop_for_facilitator(code)
    if FlaskForm().validate_on_submit():
        wanted = request.form.get("process", "")
        if not wanted:
            if workshop.process_id is not None:
                _run(detach_workshop, workshop, current_user)
        else:
            process = db.session.get(Process, int(wanted)) if wanted.isdigit() else None
            if process is None or process.commune_id != workshop.commune_id:
                flash(_("Choose a consultation process."), "error")
            else:
                _run(attach_workshop, process, workshop, current_user)
    return redirect(url_for("facilitate.workshop", code=workshop.code))


@bp.route("/processes/<int:process_id>/documents", methods=["POST"])
@csrf.exempt
@login_required
def upload(process_id: int):
    """Add a dated PDF or image to the process's public repository."""
    too_large = _allow_upload()
    process = _editable(process_id)
    form = DocumentForm(formdata=None) if too_large else DocumentForm()
    if too_large:
        form.file.errors = [too_large]
        return _edit_page(process, documents_form=form), 413
    if form.validate_on_submit():
        upload_ = request.files.get(form.file.name)
        try:
            with unit_of_work():
                store_document(
                    process,
                    current_user,
                    title=form.title.data,
                    kind=form.kind.data,
                    dated=form.dated.data,
                    filename=upload_.filename if upload_ else None,
                    data=upload_.read() if upload_ else b"",
                )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("The document is in the repository."), "success")
            return redirect(url_for(".edit", process_id=process.id, _anchor="documents"))
    db.session.refresh(process)
    return _edit_page(process, documents_form=form), 400


@bp.route("/processes/<int:process_id>/documents/<int:document_id>")
@login_required
def document(process_id: int, document_id: int):
    """A stored document, for the commune's accounts."""
    process = readable_process(process_id)
    found = db.session.get(Document, document_id)
    if found is None or found.process_id != process.id or not document_path(found).exists():
        abort(404)
    return send_file(document_path(found), mimetype=found.content_type, download_name=found.filename)


@bp.route("/processes/<int:process_id>/documents/<int:document_id>/delete", methods=["POST"])
@login_required
def remove_document(process_id: int, document_id: int):
    """Take a document out of the repository."""
    process = _editable(process_id)
    found = db.session.get(Document, document_id)
    if found is None or found.process_id != process.id:
        abort(404)
    if FlaskForm().validate_on_submit():
        _run(delete_document, found, current_user)
    return redirect(url_for(".edit", process_id=process.id, _anchor="documents"))


def _recommendation_page(process: Process, rec: Recommendation, adoption=None, update=None, status=200):
    number = workshop_numbers(db.session.get(Workshop, rec.workshop_id)).get(rec.id)
    if adoption is None:
        adoption = AdoptionForm(formdata=None, obj=rec.adoption, prefix="adopt")
    if update is None:
        state = follow_state(rec)
        update = FollowUpForm(formdata=None, prefix="update")
        update.status.data = state["status"] if state["status"] in FOLLOW_STATUSES else "in_progress"
        update.progress.data = "" if state["progress"] is None else str(state["progress"])
        update.service.data = state["service"]
    return (
        render_template(
            "processes/recommendation.html",
            process=process,
            rec=rec,
            number=number,
            workshop=db.session.get(Workshop, rec.workshop_id),
            state=follow_state(rec),
            adoption_form=adoption,
            update_form=update,
            editable=current_user.can_facilitate,
            decisions=DECISIONS,
            follow_statuses=FOLLOW_STATUSES,
        ),
        status,
    )


@bp.route("/processes/<int:process_id>/recommendations/<int:rec_id>", methods=["GET", "POST"])
@csrf.exempt
@login_required
def recommendation(process_id: int, rec_id: int):
    """The council's decision on a recommendation, its follow-up updates and their dated history."""
    if request.method == "GET":
        process = readable_process(process_id)
        return _recommendation_page(process, _recommendation(process, rec_id))
    too_large = _allow_upload()
    process = _editable(process_id)
    rec = _recommendation(process, rec_id)
    if too_large:
        update = FollowUpForm(formdata=None, prefix="update")
        update.document.errors = [too_large]
        return _recommendation_page(process, rec, update=update, status=413)
    if request.form.get("action") == "adopt":
        form = AdoptionForm(prefix="adopt")
        if form.validate_on_submit():
            try:
                with unit_of_work():
                    record_adoption(
                        rec,
                        current_user,
                        session_name=form.session_name.data,
                        session_date=form.session_date.data,
                        decision=form.decision.data,
                        amended_text=form.amended_text.data,
                        reason=form.reason.data,
                    )
            except ServiceError as error:
                show_error(form, error)
            else:
                flash(_("The council's decision is recorded."), "success")
                return redirect(url_for(".recommendation", process_id=process.id, rec_id=rec.id))
        db.session.expire_all()
        return _recommendation_page(process, rec, adoption=form, status=400)
    form = FollowUpForm(prefix="update")
    if form.validate_on_submit():
        upload_ = request.files.get(form.document.name)
        try:
            with unit_of_work():
                stored = None
                if upload_ and upload_.filename:
                    stored = store_document(
                        process,
                        current_user,
                        title=rec.title,
                        kind="follow_up",
                        dated=None,
                        filename=upload_.filename,
                        data=upload_.read(),
                    )
                post_follow_up(
                    rec,
                    current_user,
                    status=form.status.data,
                    progress=form.progress.data,
                    service=form.service.data,
                    note=form.note.data,
                    link=form.link.data,
                    document=stored,
                )
        except ServiceError as error:
            if error.field == "file":
                form.document.errors.append(str(error.message))
            else:
                show_error(form, error)
        else:
            flash(_("The update is in the history."), "success")
            return redirect(url_for(".recommendation", process_id=process.id, rec_id=rec.id, _anchor="history"))
    db.session.expire_all()
    return _recommendation_page(process, rec, update=form, status=400)
