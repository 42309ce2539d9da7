"""JSON API v1: for scripts and other front-ends. Participants authenticate with the token it returns."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _

from consult.extensions import csrf
from consult.payloads import group_payload, participant_payload, participation_counts, workshop_payload
from consult.services import ServiceError, unit_of_work
from consult.services.participants import join_workshop
from consult.services.workshops import find_workshop
from consult.throttle import code_lookup, join_limit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated, never cookie-authenticated: CSRF does not apply.
csrf.exempt(bp)


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    status = {"not_found": 404, "forbidden": 403, "closed": 409, "rate_limited": 429}.get(error.code, 400)
    return jsonify(error=error.as_dict()), status


def _json_object() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # a body nested thousands deep ("[[[["): the parser gives up by recursion
        data = None
    if not isinstance(data, dict):
        raise ServiceError("invalid", _("The request must be a JSON object."))
    return data


@bp.get("/workshops/<code>")
@code_lookup()
def workshop(code: str):
    """The workshop's public state."""
    found = find_workshop(code)
    if found.status == "draft":
        abort(404)
    return jsonify({**workshop_payload(found), "counts": participation_counts(found)})


@bp.post("/workshops/<code>/participants")
@code_lookup()
@join_limit
def create_participant(code: str):
    """Join a workshop: returns the participant's secret token and the groups to choose from."""
    data = _json_object()
    with unit_of_work():
        # Read inside the unit of work: on SQLite, under the write lock, join_workshop's checks need no second read.
        found = find_workshop(code)
        participant, token = join_workshop(
            found,
            consent=data.get("consent"),
            nickname=data.get("nickname"),
            category=data.get("category"),
            gender=data.get("gender"),
            age_band=data.get("age_band"),
        )
        body = {
            "token": token,
            "participant": participant_payload(participant),
            "groups": [group_payload(g) for g in found.groups],
        }
    return jsonify(body), 201
