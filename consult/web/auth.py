"""Facilitator and staff login."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from consult.extensions import db
from consult.models import User
from consult.throttle import login_limits

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def is_same_site_path(target: object) -> bool:
    """A path on this site, as a browser would read it: "/x", never "//host", "/\\host" or "/<tab>/host".

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so any of those, any other
    control character, space or non-ASCII character refuses the whole target rather than being cleaned.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return False
    if any(not 0x21 <= ord(ch) <= 0x7E or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not target.startswith("//") and not parts.scheme and not parts.netloc


def _safe_next(target: str | None, user: User) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if is_same_site_path(target):
        return target
    return url_for("facilitate.index" if user.can_facilitate else "reports.archive")


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """The facilitator's login form."""
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        if user is not None and user.check_password(form.password.data):
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next"), user))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # A new token: this session's cookie and any remember-me cookie, copied or not, no longer log anybody in.
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
