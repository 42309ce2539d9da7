"""Doors that must be locked: redirects after login, the secret key, remember-me cookies, HTTP throttles, HSTS."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

import consult
from config import DevelopmentConfig, ProductionConfig
from consult import create_app
from consult.extensions import db
from consult.models import Participant
from consult.throttle import POSTING_FAST, TOO_MANY
from tests.conftest import PASSWORD, build_app, make_facilitator, make_workshop
from tests.liveserver import ROOT

LONG_KEY = "k" * 24 + "9f3c2b7a1d5e8f604c3b2a19"


def login(client, user, password=PASSWORD, next_=None, **kwargs):
    url = "/login" if next_ is None else f"/login?next={next_}"
    return client.post(url, data={"email": user.email, "password": password}, **kwargs)


# 1. Open redirect.

HOSTILE_NEXT = [
    "/%09/evil.example",  # a tab: browsers drop it and read //evil.example
    "/%0A/evil.example",  # a line feed: dropped too (gave a 500)
    "/%0D/evil.example",
    "/%0D%0ALocation:%20https://evil.example",  # header splitting
    "//evil.example",
    "///evil.example",
    "/%2F/evil.example",  # decodes to //evil.example
    "/%5Cevil.example",  # /\evil.example: a backslash is a slash to browsers
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "/%09%5Cevil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "%20//evil.example",  # a leading space, dropped by browsers
    "/%20/evil.example",
    "/%E3%80%80/evil.example",  # an ideographic space
    "/%00/evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(client, facilitator, target):
    response = login(client, facilitator, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/facilitate/"


def test_login_follows_a_same_site_next(client, facilitator, workshop):
    response = login(client, facilitator, next_=f"/facilitate/{workshop.code}%3Ftab%3D1")
    assert response.status_code == 302 and response.headers["Location"] == f"/facilitate/{workshop.code}?tab=1"


# 2. The secret key.


def config(base: type, **settings) -> type:
    return type("Config", (base,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (None, "SECRET_KEY is not set"),
        ("", "SECRET_KEY is not set"),
        ("dev-only-change-me", "published default"),
        ("change-me", "published default"),
        ("s3cret-but-short", "shorter than 32"),
    ],
)
def test_production_refuses_to_start_without_a_real_key(key, why):
    with pytest.raises(SystemExit) as stopped:
        create_app(config(ProductionConfig, SECRET_KEY=key))
    message = str(stopped.value.code)
    assert why in message and "\n" not in message


def test_production_starts_with_a_long_random_key():
    app = create_app(config(ProductionConfig, SECRET_KEY=LONG_KEY))
    assert app.config["SECRET_KEY"] == LONG_KEY


def test_the_server_process_says_why_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(FLASK_CONFIG="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}", PORT="1")
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "SECRET_KEY is not set" in done.stderr


def forged_cookie(secret: str, user_id: str) -> str:
    """What an attacker who knows a secret signs: a session naming the user."""
    signer = Flask("forger")
    signer.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps({"_user_id": user_id, "_fresh": True})


def test_development_signs_with_its_own_key_not_the_published_one(tmp_path, monkeypatch, facilitator):
    monkeypatch.setattr(consult, "INSTANCE_DIR", tmp_path)
    uri = str(db.engine.url)
    dev = create_app(config(DevelopmentConfig, SECRET_KEY=None, SQLALCHEMY_DATABASE_URI=uri))
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert dev.config["SECRET_KEY"] == key_file.read_text().strip() and len(dev.config["SECRET_KEY"]) >= 32
    again = create_app(config(DevelopmentConfig, SECRET_KEY=None, SQLALCHEMY_DATABASE_URI=uri))
    assert again.config["SECRET_KEY"] == dev.config["SECRET_KEY"]  # sessions survive a restart

    client = dev.test_client()
    client.set_cookie("session", forged_cookie("dev-only-change-me", facilitator.get_id()))
    with dev.app_context():
        response = client.get("/facilitate/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# 3. Remember-me cookie.


def set_cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_remember_cookie_is_short_lived_http_only_and_same_site(client, facilitator):
    header = set_cookie_header(login(client, facilitator), "remember_token")
    assert "HttpOnly" in header and "SameSite=Lax" in header
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert timedelta(days=13) < expires - datetime.now(UTC) <= timedelta(days=14)


def test_production_cookies_are_secure(tmp_path):
    app = create_app(
        config(
            ProductionConfig,
            SECRET_KEY=LONG_KEY,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db",
            WTF_CSRF_ENABLED=False,
        )
    )
    with app.app_context():
        db.create_all()
        user = make_facilitator()
        response = login(app.test_client(), user, base_url="https://tashawur.example")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        assert "Secure" in set_cookie_header(response, name), name


def replay(app, cookies: dict[str, str]):
    stranger = app.test_client()
    for name, value in cookies.items():
        stranger.set_cookie(name, value)
    return stranger.get("/facilitate/")


def test_cookies_stop_working_after_logout(app, client, facilitator):
    login(client, facilitator)
    cookies = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert replay(app, cookies).status_code == 200  # the copies work while the session lasts
    assert client.post("/logout").status_code == 302
    assert replay(app, cookies).status_code == 302
    assert replay(app, {"remember_token": cookies["remember_token"]}).status_code == 302
    assert replay(app, {"session": cookies["session"]}).status_code == 302


def test_a_new_password_logs_out_every_device(app, client, facilitator):
    login(client, facilitator)
    cookies = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    facilitator.set_password("a brand new passphrase")
    db.session.commit()
    assert replay(app, cookies).status_code == 302
    assert replay(app, {"remember_token": cookies["remember_token"]}).status_code == 302


# 4. Throttles (the configured defaults: config.py).


def assert_throttled(response, *, json=False, message=TOO_MANY):
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    if json:
        error = response.get_json()["error"]
        assert error["code"] == "rate_limited" and error["message"]
    else:
        with force_locale("ar"):  # the page speaks the visitor's language (Arabic by default)
            assert str(message) in response.get_data(as_text=True)


def test_wrong_passwords_for_one_account_are_throttled_even_with_the_right_one_next(client, facilitator):
    for _ in range(10):
        assert login(client, facilitator, "wrong password").status_code == 200
    assert_throttled(login(client, facilitator))


def test_login_attempts_from_one_address_are_throttled(client, facilitator):
    for n in range(30):
        client.post("/login", data={"email": f"nobody{n}@example.ma", "password": "guess"})
    assert_throttled(login(client, facilitator))


def test_a_right_login_does_not_spend_the_accounts_budget(client, facilitator):
    for _ in range(12):
        assert login(client, facilitator).status_code == 302


def test_guessing_codes_is_throttled_on_every_door(app, client, workshop):
    for n in range(50):
        assert client.post("/", data={"code": f"WRONG{n}"}).status_code == 200
    for n in range(25):
        assert client.get(f"/j/NOPE{n}").status_code == 404
    for n in range(25):
        assert client.get(f"/api/v1/workshops/NOPE{n}").status_code == 404
    # Spent: even the right code gets no answer from this address, on any door.
    assert_throttled(client.post("/", data={"code": workshop.code}))
    assert_throttled(client.get(f"/j/{workshop.code}"))
    assert_throttled(client.post(f"/api/v1/workshops/{workshop.code}/participants", json={"consent": True}), json=True)
    # Another address is not concerned.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.post("/", data={"code": workshop.code}).status_code == 302


def test_a_participant_who_holds_the_code_keeps_working_when_the_address_is_spent(client, workshop):
    assert client.post(f"/j/{workshop.code}", data={"consent": "y"}).status_code == 302
    for n in range(100):
        client.post("/", data={"code": f"WRONG{n}"})
    assert_throttled(client.post("/", data={"code": workshop.code}))
    assert client.get(f"/w/{workshop.code}").status_code == 200


def test_a_hall_joining_at_once_from_one_address_gets_50_then_waits_seconds(client, workshop):
    """A 300-person hall behind one address joins at 5 a second: 50 at once, then one every 0.2 s."""
    for _ in range(50):
        assert client.post(f"/api/v1/workshops/{workshop.code}/participants", json={"consent": True}).status_code == 201
    response = client.post(f"/api/v1/workshops/{workshop.code}/participants", json={"consent": True})
    assert_throttled(response, json=True)
    assert int(response.headers["Retry-After"]) <= 10  # seconds, not a minute


def test_the_join_form_shares_the_join_budget(client, workshop):
    for _ in range(50):
        client.post(f"/api/v1/workshops/{workshop.code}/participants", json={"consent": True})
    assert_throttled(client.post(f"/j/{workshop.code}", data={"consent": "y"}))


def test_trusted_proxies_decide_whose_address_counts(tmp_path, workshop):
    def guesses(app, forwarded_for: str, count: int = 101):
        client = app.test_client()
        headers = {"X-Forwarded-For": forwarded_for}
        return [client.get(f"/api/v1/workshops/NOPE{n}", headers=headers).status_code for n in range(count)]

    uri = str(db.engine.url)
    # Trusting nobody: a forged X-Forwarded-For buys no fresh budget.
    untrusting = build_app(uri)
    assert guesses(untrusting, "198.51.100.1") == [404] * 100 + [429]
    assert guesses(untrusting, "198.51.100.2", 1) == [429]
    # Behind one proxy the operator declared: each client counts on its own.
    behind_proxy = build_app(uri, TRUSTED_PROXIES=1)
    assert guesses(behind_proxy, "198.51.100.1") == [404] * 100 + [429]
    assert guesses(behind_proxy, "198.51.100.2", 1) == [404]


def test_a_participant_posting_in_a_loop_by_form_gets_429(app, client, workshop):
    app.config["RATELIMIT_POST_ADDRESS"] = "1000 per minute"  # a test posts faster than a hall: one budget at a time
    client.post(f"/j/{workshop.code}", data={"consent": "y"})
    client.post(f"/w/{workshop.code}/group", data={"group_id": workshop.groups[0].id})

    def post(n):
        return client.post(f"/w/{workshop.code}", data={"kind": "problem", "text": f"n° {n}", "client_id": f"c{n}"})

    # RATELIMIT_POST_PARTICIPANT, 30 a minute, is the one limit: the door stops the loop at the 31st.
    assert [post(n).status_code for n in range(30)] == [302] * 30
    assert_throttled(post(30), message=POSTING_FAST)


# 5. HSTS and socket origins.


def test_production_sends_hsts_on_every_response(tmp_path):
    app = create_app(
        config(ProductionConfig, SECRET_KEY=LONG_KEY, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/h.db")
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for url in ("/", "/login", "/no-such-page", "/api/v1/workshops/NOPE"):
        assert (
            client.get(url, base_url="https://tashawur.example")
            .headers["Strict-Transport-Security"]
            .startswith("max-age=31536000")
        ), url


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost", True),  # the page's own origin
        ("https://tashawur.commune.ma", True),  # PUBLIC_URL's
        ("https://evil.example", False),
        ("http://localhost.evil.example", False),
        ("null", False),
    ],
)
def test_sockets_open_only_from_our_own_pages(tmp_path, origin, allowed):
    app = build_app(f"sqlite:///{tmp_path / 'o.sqlite'}", PUBLIC_URL="https://tashawur.commune.ma/")
    response = app.test_client().get(
        "/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}, base_url="http://localhost"
    )
    assert (response.status_code == 200) is allowed, response.get_data(as_text=True)[:200]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_crowd_that_holds_every_database_connection_gets_a_translated_503_not_a_500(tmp_path, lang):
    """Past the pool's timeout a request is told the server is busy and when to come back; nothing is written."""
    app = build_app(
        f"sqlite:///{tmp_path / 'busy.sqlite'}",
        POOL_TIMEOUT=1,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
    )
    with app.app_context():
        db.create_all()
        workshop = make_workshop(make_facilitator())
        code = workshop.code
        assert db.engine.pool.timeout() == 1  # whole seconds: Flask-SQLAlchemy makes it an int
        db.session.remove()
        held = db.engine.connect()  # the crowd: the pool's one connection is busy
        try:
            client = app.test_client()
            page = client.get(f"/w/{code}?lang={lang}")
            joined = client.post(f"/api/v1/workshops/{code}/participants", json={"consent": True})
        finally:
            held.close()
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        with app.test_request_context(), force_locale(lang):
            message = gettext("The server is very busy. Try again in a minute.")
        assert message in page.get_data(as_text=True) and (lang == "fr") == ("serveur" in message)
        assert joined.status_code == 503 and joined.get_json()["error"]["code"] == "busy"
        # Once the crowd has passed, the same request goes through, and the refused join had stored nothing.
        assert client.post(f"/api/v1/workshops/{code}/participants", json={"consent": True}).status_code == 201
        assert db.session.scalar(select(func.count(Participant.id))) == 1
        db.session.remove()
        db.engine.dispose()
