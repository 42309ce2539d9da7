"""What every form door shares."""

from __future__ import annotations

from flask_wtf import FlaskForm

from consult.services.errors import ServiceError


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """A service's refusal on the form: beside the field it names, else at the top."""
    field = getattr(form, error.field or "", None)
    (field.errors if field is not None and hasattr(field, "errors") else form.form_errors).append(str(error.message))
