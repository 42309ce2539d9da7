"""The JSON API and the plain HTML forms, fed hostile values with hypothesis.

No answer is a 5xx and no traceback reaches the log. The API answers every refusal with {error: {code, message}}
and a refused call changes no row. A form answers with a page or a redirect; a 400 changes no row.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.services.errors import CODES
from tests.conftest import PASSWORD
from tests.fuzz.conftest import FUZZ, HOSTILE, HOSTILE_TEXT, TALLY, deep, nasty, plausible, snapshot

JOIN_FIELDS = ("nickname", "category", "gender", "age_band", "consent")
RAW_BODIES = [
    b"[" * 100_000,
    b'{"nickname": ' + b"[" * 5000 + b"]" * 5000 + b', "consent": true}',
    b"\xed\xa0\x80",
    b'{"nickname": "\xff\xfe", "consent": true}',
    b'{"consent": NaN}',
    b"",
    b"null",
    b'{"consent": true, "nickname": "' + b"x" * 300_000 + b'"}',
]


def in_path(value: object) -> str:
    """Any value as one URL path segment, the way a hand-made request would send it."""
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def call(door: str, client, method: str, url: str, error_log, *, api: bool, **kwargs):
    """Send, then hold the answer to the contract and count it for the door."""
    error_log.take()
    before = snapshot()
    response = client.open(url, method=method, **kwargs)
    logged = error_log.take()
    tally = TALLY[door]
    tally["inputs"] += 1
    tally["tracebacks"] += bool(logged)
    tally["5xx"] += response.status_code >= 500
    if os.environ.get("FUZZ_DEBUG"):
        print(door, url[:80], str(kwargs)[:160], "->", response.status_code, response.data[:160])
    assert response.status_code < 500, f"{method} {url} {kwargs!r} answered {response.status_code}"
    assert not logged, f"{method} {url} {kwargs!r} logged:\n" + "\n".join(logged)
    if response.status_code >= 400:
        tally["refusals"] += 1
        if api:
            error = (response.get_json(silent=True) or {}).get("error")
            assert isinstance(error, dict) and error.get("code") in CODES and error.get("message"), response.data
        assert snapshot() == before, f"{method} {url} {kwargs!r} was refused but changed rows"
    return response


@pytest.fixture(scope="module")
def http(fuzz_app, world):
    """A phone that joined through the form, and the facilitator's logged-in browser."""
    phone, facilitator = fuzz_app.test_client(), fuzz_app.test_client()
    assert phone.post(f"/j/{world.code}", data={"consent": "y"}).status_code == 302
    login = {"email": world.facilitator.email, "password": PASSWORD}
    assert facilitator.post("/login", data=login).status_code == 302
    return {"anonymous": fuzz_app.test_client(), "phone": phone, "facilitator": facilitator}


def json_bodies(world) -> st.SearchStrategy:
    value = st.one_of(HOSTILE, plausible(world), st.sampled_from(["Youssef", "citizen", "female", "18_29", True]))
    fields = st.fixed_dictionaries({}, optional={name: value for name in JOIN_FIELDS})
    consenting = st.fixed_dictionaries({"consent": st.just(True)}, optional={name: value for name in JOIN_FIELDS[:-1]})
    as_text = st.one_of(fields, consenting, consenting, HOSTILE).map(lambda v: json.dumps(v).encode())
    return st.one_of(as_text, as_text, st.sampled_from(RAW_BODIES), st.just(json.dumps(deep(900)).encode()))


@FUZZ
@given(data=st.data())
def test_the_json_api_refuses_hostile_joins_with_its_error_shape(world, http, error_log, data):
    code = data.draw(st.one_of(st.just(world.code), st.just(world.code.lower()), HOSTILE_TEXT), label="code")
    body = data.draw(json_bodies(world), label="body")
    content_type = data.draw(st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1"]))
    url = f"/api/v1/workshops/{in_path(code)}/participants"
    call("api POST participants", http["anonymous"], "POST", url, error_log, api=True, data=body,
         content_type=content_type)  # fmt: skip


@FUZZ
@given(code=st.one_of(HOSTILE_TEXT, HOSTILE.map(str)))
def test_the_json_api_answers_any_code_without_a_5xx(world, http, error_log, code):
    call("api GET workshop", http["anonymous"], "GET", f"/api/v1/workshops/{in_path(code)}", error_log, api=True)


def form_value() -> st.SearchStrategy:
    """What a form can carry: text, never a structure. Raw bytes that are not UTF-8 come separately."""
    return st.one_of(HOSTILE_TEXT, st.text(max_size=30), HOSTILE.map(str))


def forms(world) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """door -> (who, url, fields) for every form that changes something."""
    code = world.code
    draft, queue = f"{world.public_path}/consultation", f"/processes/{world.process_id}/consultation"
    return {
        "form POST /": ("anonymous", "/", ("code",)),
        "form POST /j/<code>": ("anonymous", f"/j/{code}", ("nickname", "category", "gender", "age_band", "consent")),
        "form POST /w/<code>": ("phone", f"/w/{code}", ("kind", "text", "parent_id", "client_id")),
        "form POST /w/<code>/vote": ("phone", f"/w/{code}/vote", ("item_id", "client_id", "action", "group")),
        "form POST /w/<code>/group": ("phone", f"/w/{code}/group", ("group_id",)),
        "form POST /login": ("anonymous", "/login?next=%2Fx", ("email", "password")),
        "form POST /facilitate/new": ("facilitator", "/facilitate/new", WORKSHOP_FIELDS),
        "form POST /facilitate/<code>": ("facilitator", f"/facilitate/{code}", WORKSHOP_FIELDS),
        "form POST /facilitate/<code>/phase": ("facilitator", f"/facilitate/{code}/phase", ("phase",)),
        "form POST consultation support": (
            "anonymous", f"{draft}/{world.rec_id}/support", ("action", "csrf_token")
        ),
        "form POST consultation comment": ("anonymous", f"{draft}/{world.rec_id}", COMMENT_FIELDS),
        "form POST consultation proposal": ("anonymous", f"{draft}/proposals", (*COMMENT_FIELDS, "axis")),
        "form POST consultation moderate": ("facilitator", f"{queue}/moderate", ("ids", "action", "reason", "into")),
        "form POST consultation answer": (
            "facilitator", f"{queue}/{world.comment_id}/answer", tuple(f"c{world.comment_id}-{f}" for f in ANSWER)
        ),
        "form POST consultation paper": ("facilitator", queue, tuple(f"paper-{f}" for f in (*COMMENT_FIELDS, "source"))),
        "form POST consultation open/close": ("facilitator", f"{queue}/open", ("open-closes_on",)),
    }  # fmt: skip


WORKSHOP_FIELDS = (
    "title", "date", "venue", "language", "axes", "principles", "votes_per_participant", "hide_votes", "together",
    "premoderation",
)  # fmt: skip
COMMENT_FIELDS = ("text", "consent", "category", "gender", "age_band", "client_id")
ANSWER = ("response", "text", "covered_by", "new_text")
FORM_DOORS = [
    "form POST /",
    "form POST /j/<code>",
    "form POST /w/<code>",
    "form POST /w/<code>/vote",
    "form POST /w/<code>/group",
    "form POST /login",
    "form POST /facilitate/new",
    "form POST /facilitate/<code>",
    "form POST /facilitate/<code>/phase",
    "form POST consultation support",
    "form POST consultation comment",
    "form POST consultation proposal",
    "form POST consultation moderate",
    "form POST consultation answer",
    "form POST consultation paper",
    "form POST consultation open/close",
]


@pytest.mark.parametrize("door", FORM_DOORS)
@FUZZ
@given(data=st.data())
def test_every_form_answers_hostile_values_without_a_5xx(world, http, error_log, door, data):
    who, url, fields = forms(world)[door]
    values = data.draw(st.fixed_dictionaries({}, optional={name: form_value() for name in fields}), label="form")
    if data.draw(st.booleans(), label="raw bytes"):
        # Not UTF-8, as a broken or hostile client may send: the form parser must cope.
        body = "&".join(f"{quote(k)}={quote(str(v).encode('utf-8', 'surrogatepass'))}" for k, v in values.items())
        kwargs = {"data": (body + "&text=%ED%A0%80%FF").encode(), "content_type": "application/x-www-form-urlencoded"}
    else:
        kwargs = {
            "data": {k: str(v).encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in values.items()}
        }
    call(door, http[who], "POST", url, error_log, api=False, **kwargs)


@pytest.mark.parametrize("field", JOIN_FIELDS)
def test_each_hostile_value_in_each_join_field(world, http, error_log, field):
    """The sweep: a valid join with one field replaced by each hostile value in turn."""
    for value in nasty():
        body = json.dumps({"consent": True, "nickname": "Youssef", field: value}).encode()
        call("api POST participants", http["anonymous"], "POST", f"/api/v1/workshops/{world.code}/participants",
             error_log, api=True, data=body, content_type="application/json")  # fmt: skip


# Regressions (issue 9): each answered 500 before its fix.


def test_a_lone_surrogate_in_a_join_nickname_is_a_400_with_the_json_error(world, http, error_log):
    body = b'{"consent": true, "nickname": "Youssef \\ud800"}'
    url = f"/api/v1/workshops/{world.code}/participants"
    response = call("api POST participants", http["anonymous"], "POST", url, error_log, api=True, data=body,
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid" and response.get_json()["error"]["field"] == "nickname"


def test_a_json_body_nested_100000_deep_is_a_400_with_the_json_error(world, http, error_log):
    url = f"/api/v1/workshops/{world.code}/participants"
    response = call("api POST participants", http["anonymous"], "POST", url, error_log, api=True,
                    data=b"[" * 100_000, content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid"
