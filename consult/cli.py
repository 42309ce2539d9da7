"""flask commands: demo, users, export, purge, retention."""

from __future__ import annotations

import os
from datetime import date, datetime

import click
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select

from consult.extensions import db
from consult.models import Commune, Process, Recommendation, User, Workshop
from consult.reports.export import FORMATS, render
from consult.reports.outcome import REPORT_LANGUAGES
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.consultation import (
    consultation_step,
    consultations_to_purge,
    open_consultation,
    purge_consultation,
)
from consult.services.phases import set_phase
from consult.services.privacy import (
    expired_workshops,
    purge_workshop,
    release_freed_space,
    set_retention,
    workshops_closed_before,
)
from consult.services.processes import (
    attach_workshop,
    create_process,
    public_url,
    publish_workshop,
    set_steps,
    update_process,
)
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop, create_workshop, find_workshop, open_workshop, update_settings

DEMO_EMAIL = "facilitator@demo.tashawur.ma"
DEMO_PASSWORD = "ait-amira-2024"
DEMO_TITLE = "ورشة الإعداد المشترك لبرنامج انفتاح جماعة أيت عميرة"
# Seed 002: the workshop is the first step of the commune's open-commune programme, two years to its evaluation.
DEMO_PROCESS_TITLE = "برنامج انفتاح جماعة أيت عميرة"
DEMO_PROCESS_SLUG = "programme-ouverture"
DEMO_PROCESS_DESCRIPTION = (
    "في إطار انخراطها بالشبكة المغربية للجماعات الترابية المنفتحة، تعد جماعة أيت عميرة برنامج انفتاحها حول محاور "
    "البيئة والتواصل والرقمنة: ورشة الإعداد المشترك، ثم التشاور العمومي بشأن المشروع، فالمصادقة والتنفيذ والتقييم."
)


def _demo_workshop(user: User, title: str, day: date, venue: str) -> Workshop:
    """The commune's workshop of that title, made (in draft) the first time."""
    found = db.session.scalar(select(Workshop).where(Workshop.commune_id == user.commune_id, Workshop.title == title))
    if found is None:
        found = create_workshop(user, title=title, workshop_date=day, venue=venue, language="ar")
        db.session.flush()
    return found


def ensure_demo(password: str = DEMO_PASSWORD) -> tuple[Workshop, User]:
    """The demo commune, its facilitator and the open Ait Amira workshop; running it again changes nothing else."""
    commune = db.session.scalar(select(Commune).where(Commune.name_fr == "Ait Amira"))
    if commune is None:
        commune = Commune(
            name_ar="جماعة أيت عميرة", name_fr="Ait Amira", province="Chtouka Ait Baha", region="Souss-Massa"
        )
        db.session.add(commune)
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(commune=commune, email=DEMO_EMAIL, name="Facilitatrice IMPACT", role="facilitator")
        db.session.add(user)
    user.set_password(password)
    db.session.flush()
    workshop = _demo_workshop(user, DEMO_TITLE, date(2024, 4, 15), "مقر جماعة أيت عميرة")
    if workshop.status == "draft":
        # At Ait Amira the groups wrote problems and solutions side by side: allow both while collecting.
        update_settings(workshop, user, phase_actions={"problems": ["problem", "solution"]})
        open_workshop(workshop, user)
        set_phase(workshop, Actor(user=user), "problems")
    return workshop, user


def ensure_demo_process(workshop: Workshop, user: User) -> Process:
    """The Ait Amira open-commune programme, published, with the demo workshop as its first step; created once."""
    process = db.session.scalar(
        select(Process).where(Process.commune_id == user.commune_id, Process.slug == DEMO_PROCESS_SLUG)
    )
    if process is None:
        process = create_process(
            user, title=DEMO_PROCESS_TITLE, kind="open_commune", description=DEMO_PROCESS_DESCRIPTION
        )
        update_process(
            process,
            user,
            title=DEMO_PROCESS_TITLE,
            kind="open_commune",
            description=DEMO_PROCESS_DESCRIPTION,
            slug=DEMO_PROCESS_SLUG,
            published=True,
        )
        # The co-creation workshop of 15 April 2024 is under way (the live demo); the rest is planned.
        steps = [{"kind": "workshops", "starts_on": "2024-04-15", "ends_on": "2024-04-15", "status": "current"}]
        steps += [
            {"kind": k, "status": "planned"} for k in ("consultation", "adoption", "implementation", "evaluation")
        ]
        set_steps(process, user, steps)
    if workshop.process_id != process.id:
        attach_workshop(process, workshop, user)
    ensure_demo_draft(process, workshop, user)
    return process


# The demo workshop's recommendations, one per Ait Amira axis (written for the demo): its synthesis to show.
DEMO_DRAFT = (
    ("تعميم حاويات فرز النفايات في مركز الجماعة والدواوير", "مع برنامج لتفريغها بانتظام وحملة تحسيسية في المدارس."),
    ("نشر محاضر دورات المجلس وقراراته على صفحة الجماعة خلال أسبوع", "وتعليقها في مقر الجماعة لمن لا يستعمل الإنترنت."),
    ("شباك إلكتروني لطلب الوثائق الإدارية وتتبعها", "مع مرافقة في مقر الجماعة لمن لا يتقن استعمال الهاتف."),
)
# The youth session held the week before, closed and published: its recommendations are the draft put to the public
# (the public draft holds only published workshops' recommendations; written for the demo).
YOUTH_TITLE = "ورشة شباب أيت عميرة"
YOUTH_DRAFT = (
    ("حملة نظافة شهرية يشارك فيها شباب الدواوير", "بتنسيق مع الجمعيات المحلية، والجماعة توفر المعدات."),
    ("صفحة للجماعة تنشر مواعيد الدورات وقراراتها بالعربية والأمازيغية", "مع نسخة مسموعة لمن لا يقرأ."),
    ("فضاء رقمي مجهز في دار الشباب", "مع حصص أسبوعية للتكوين في استعمال الخدمات الإلكترونية للجماعة."),
)


def _recommend(workshop: Workshop, user: User, draft: tuple[tuple[str, str], ...]) -> None:
    if not db.session.scalar(select(Recommendation.id).where(Recommendation.workshop_id == workshop.id)):
        for theme, (title, body) in zip(workshop.themes, draft, strict=False):
            save_recommendation(workshop, Actor(user=user), {"theme_id": theme.id, "title": title, "body": body})


def ensure_demo_draft(process: Process, workshop: Workshop, user: User) -> None:
    """Give the demo workshop its recommendations, publish the youth session's, and open the consultation on that
    draft for 30 days, once."""
    _recommend(workshop, user, DEMO_DRAFT)
    youth = _demo_workshop(user, YOUTH_TITLE, date(2024, 4, 8), "دار الشباب أيت عميرة")
    if youth.status == "draft":
        open_workshop(youth, user)
        _recommend(youth, user, YOUTH_DRAFT)
        close_workshop(youth, user)
        attach_workshop(process, youth, user)
        publish_workshop(youth, user)
    step = consultation_step(process)
    if step is not None and step.opens_at is None:
        open_consultation(step, user)


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--password", default=DEMO_PASSWORD, show_default=True, help="The demo facilitator's password.")
    def demo(password: str) -> None:
        """Create (once) the demo commune, facilitator, the open Ait Amira workshop and its published programme."""
        # Where `python app.py` (and `make run HOST=... PORT=...`) will serve, unless a proxy's address is set.
        served = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
        base = current_app.config.get("PUBLIC_URL") or served
        with unit_of_work():
            workshop, user = ensure_demo(password)
            code = workshop.code
            page = public_url(ensure_demo_process(workshop, user), base)
        click.echo(f"join code: {code}")
        click.echo(f"facilitator login: {user.email} / {password}")
        click.echo(f"phone:  {base}/j/{code}")
        click.echo(f"board:  {base}/w/{code}/board")
        click.echo(f"login:  {base}/login")
        click.echo(f"public page: {page}")
        click.echo(f"consultation on the draft: {page}/consultation")

    users = click.Group("users", help="Manage facilitator and staff accounts.")
    app.cli.add_command(users)

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--commune", "commune_name", required=True, help="The commune's French name; created if new.")
    @click.option("--role", type=click.Choice(User.ROLES), default="facilitator", show_default=True)
    @click.password_option()
    def create_user(email: str, name: str, commune_name: str, role: str, password: str) -> None:
        """Create a user of a commune."""
        with unit_of_work():
            if db.session.scalar(select(User).where(User.email == email)):
                raise click.ClickException(f"{email} already exists")
            commune = db.session.scalar(select(Commune).where(Commune.name_fr == commune_name))
            if commune is None:
                commune = Commune(name_ar=commune_name, name_fr=commune_name)
            user = User(commune=commune, email=email, name=name, role=role)
            user.set_password(password)
            db.session.add(user)
        click.echo(f"created {role} {email}")

    @app.cli.command("export")
    @click.argument("code")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
    @click.option("--lang", type=click.Choice(REPORT_LANGUAGES), help="Default: the workshop's language.")
    @click.option(
        "--public", is_flag=True, help="No names; small groups folded into “other”; hidden items only counted."
    )
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
    def export(code: str, fmt: str, lang: str | None, public: bool, output: str) -> None:
        """Write the workshop's outcome report to a file."""
        try:
            workshop = find_workshop(code)
        except ServiceError as error:
            raise click.ClickException(str(error.message)) from None
        data = render(workshop, fmt, lang=lang or workshop.language, public=public)
        with open(output, "wb") as f:
            f.write(data)
        click.echo(f"{output}: {len(data)} bytes")

    @app.cli.command("purge")
    @click.argument("code", required=False)
    @click.option(
        "--closed-before", type=click.DateTime(["%Y-%m-%d"]), help="Every workshop closed before this day (YYYY-MM-DD)."
    )
    @click.option(
        "--expired", "past_retention", is_flag=True, help="Every workshop closed longer than its commune keeps data."
    )
    @click.option("--dry-run", is_flag=True, help="Only list the workshops that would be purged.")
    def purge(code: str | None, closed_before: datetime | None, past_retention: bool, dry_run: bool) -> None:
        """Delete participants' personal data (law 09-08); reports keep their figures, texts, votes and decisions."""
        with force_locale("en"):  # the command's own lines are English: so are the refusals
            _purge(code, closed_before, past_retention, dry_run)

    def _purge(code: str | None, closed_before: datetime | None, past_retention: bool, dry_run: bool) -> None:
        if sum((code is not None, closed_before is not None, past_retention)) != 1:
            raise click.UsageError("Give a workshop CODE, or --closed-before YYYY-MM-DD, or --expired.")
        if code is not None:
            try:
                codes = [find_workshop(code).code]
            except ServiceError as error:
                raise click.ClickException(str(error.message)) from None
        else:
            found = expired_workshops() if past_retention else workshops_closed_before(closed_before.date())
            codes = [w.code for w in found]
        db.session.rollback()
        refused = []
        for one in codes:
            if dry_run:
                click.echo(f"would purge {one}")
                continue
            try:
                with unit_of_work():
                    removed = purge_workshop(find_workshop(one))
            except ServiceError as error:
                refused.append(f"{one}: {error.message}")
                continue
            click.echo(f"purged {one}: {removed} participants")
        if past_retention:
            # A closed consultation needs its browsers' and addresses' hashes no more: they go at once.
            for step in consultations_to_purge():
                if dry_run:
                    click.echo(f"would purge the consultation of {step.process.slug}")
                    continue
                with unit_of_work():
                    purge_consultation(step)
                click.echo(f"purged the consultation of {step.process.slug}: its browser and address hashes")
        if codes and not dry_run:
            release_freed_space()
        if not codes:
            click.echo("no workshop to purge")
        if refused:
            raise click.ClickException("\n".join(refused))

    @app.cli.command("retention")
    @click.argument("commune_name")
    @click.argument("days", type=int, required=False)
    def retention(commune_name: str, days: int | None) -> None:
        """Show or set how many days after closing a commune's workshops keep personal data."""
        with unit_of_work():
            commune = db.session.scalar(select(Commune).where(Commune.name_fr == commune_name))
            if commune is None:
                raise click.ClickException(f"no commune {commune_name}")
            if days is not None:
                try:
                    set_retention(commune, days)
                except ServiceError as error:
                    with force_locale("en"):
                        raise click.ClickException(str(error.message)) from None
            click.echo(f"{commune.name_fr}: personal data kept {commune.retention_days} days after a workshop closes")
