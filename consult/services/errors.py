from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

CODES = ("invalid", "forbidden", "not_found", "rate_limited", "closed")


class ServiceError(Exception):
    """A refusal: a stable code for programs and a translatable message for people."""

    def __init__(self, code: str, message: Any, *, field: str | None = None):
        assert code in CODES, code
        super().__init__(str(code))
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        error = {"code": self.code, "message": str(self.message)}
        if self.field:
            error["field"] = self.field
        return error


def invalid(message: Any, field: str | None = None) -> ServiceError:
    return ServiceError("invalid", message, field=field)


def not_found(what: Any = None) -> ServiceError:
    return ServiceError("not_found", what or _l("Not found."))


def forbidden(message: Any = None) -> ServiceError:
    return ServiceError("forbidden", message or _l("You are not allowed to do this."))
