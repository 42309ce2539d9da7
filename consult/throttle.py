"""Throttles: how often one address, account, participant or socket may knock.

HTTP views wear Flask-Limiter's decorators below; socket events and form posts call hit(), which counts on the same
storage (memory in one process, Redis when several share the load). The numbers live in config.py, each with its why.
A whole venue often reaches us from one public address, so per-address limits are sized for a room.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.strategies import SlidingWindowCounterRateLimiter

from consult.extensions import limiter
from consult.services.errors import ServiceError

TOO_MANY = _l("Too many attempts. Wait a moment and try again.")
POSTING_FAST = _l("You are posting very fast. Wait a minute and try again.")


class RateLimited(ServiceError):
    """A refusal for knocking too often, with the seconds until the next knock may pass."""

    def __init__(self, message: Any = TOO_MANY, retry_after: int = 60):
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


def init_app(app: Flask) -> None:
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
        # Several processes behind one proxy must count together: share the Redis they already share.
        app.config["RATELIMIT_STORAGE_URI"] = queue if queue.startswith(("redis://", "rediss://")) else "memory://"
    limiter.init_app(app)


def client_address() -> str:
    """The client's address: the socket peer, or what TRUSTED_PROXIES allows ProxyFix to read."""
    return request.remote_addr or "unknown"


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@lru_cache(maxsize=64)
def _parsed(value: str) -> list[RateLimitItem]:
    return parse_many(value)


@lru_cache(maxsize=4)
def _counter(storage: Any) -> SlidingWindowCounterRateLimiter:
    return SlidingWindowCounterRateLimiter(storage)


def hit(name: str, *key: object, message: Any = TOO_MANY) -> None:
    """Count one knock against the limit config[name] for this key; raise RateLimited when it is spent.

    These knocks (posts, screen redraws, a consultation's supports) come by the hundred a second in a full room and
    guard against floods, not guesses: a sliding window counter, two counters a key, costs a fraction of the doors'
    exact moving window, whose in-memory expiry rescans every key's list a hundred times a second.
    """
    strategy = _counter(limiter.storage)
    args = [current_app.config.get("RATELIMIT_KEY_PREFIX") or "-", name, *(str(k) for k in key)]
    for item in _parsed(current_app.config[name]):
        if not strategy.hit(item, *args):
            reset, _remaining = strategy.get_window_stats(item, *args)
            raise RateLimited(message, retry_after=max(1, math.ceil(reset - time.time())))


def posting(address: str | None, workshop_id: int, participant_id: int | None) -> None:
    """A post, by form or socket: the participant's own budget first, so that one flooder spends only theirs."""
    if participant_id is not None:
        hit("RATELIMIT_POST_PARTICIPANT", participant_id, message=POSTING_FAST)
    hit("RATELIMIT_POST_ADDRESS", address or "unknown", workshop_id, message=POSTING_FAST)


# A socket handler's throttle, attached by a decorator and run by realtime.live's live_event before any database
# work (refusals are cheap): it takes the socket's id and its connection (address, workshop, participant).
SocketLimit = Callable[[str, Any], None]


def socket_limit(limit: SocketLimit) -> Callable[[Callable], Callable]:
    def attach(handler: Callable) -> Callable:
        handler.throttle = limit
        return handler

    return attach


def per_socket(name: str) -> Callable[[Callable], Callable]:
    """A screen's redraws or replays: config[name] per connection."""
    return socket_limit(lambda sid, _conn: hit(name, sid))


def socket_posts(handler: Callable) -> Callable:
    """Posts: the participant's budget, then the address's in this workshop."""
    return socket_limit(lambda _sid, conn: posting(conn.address, conn.workshop_id, conn.participant_id))(handler)


def retry_after() -> int:
    """Seconds until the limit Flask-Limiter found breached lets a request through again."""
    breached = limiter.current_limit
    return max(1, math.ceil(breached.window.reset_time - time.time())) if breached else 60


# HTTP doors (Flask-Limiter decorators).


def _login_account() -> str:
    # Never empty: Flask-Limiter skips (and logs an error for) a limit whose key is empty.
    return (request.form.get("email") or "").strip().lower()[:254] or "-"


def _login_failed(response) -> bool:
    return response.status_code != 302  # a successful login redirects


def login_limits(view: Callable) -> Callable:
    """Login: every attempt per address; wrong passwords per account, from wherever they come."""
    view = limiter.limit(
        setting("RATELIMIT_LOGIN_ACCOUNT"),
        key_func=_login_account,
        methods=["POST"],
        deduct_when=_login_failed,
        scope="login-account",
    )(view)
    return limiter.limit(
        setting("RATELIMIT_LOGIN_ADDRESS"), key_func=client_address, methods=["POST"], scope="login-address"
    )(view)


def wrong_code() -> None:
    """Mark this request as naming no workshop (a form that answers 200 with an error, not 404)."""
    g.wrong_code = True


def _named_no_workshop(response) -> bool:
    return response.status_code == 404 or g.get("wrong_code", False)


def _holds_code() -> bool:
    """Who already holds the code learns nothing from it: its participants and logged-in staff."""
    if current_user.is_authenticated:
        return True
    code = "".join(ch for ch in str((request.view_args or {}).get("code", "")).upper() if ch.isalnum())
    return bool(code) and code in session.get("participants", {})


def code_lookup(methods: list[str] | None = None):
    """A door that tells whether a code exists: wrong codes per address, and once spent no more answers."""
    return limiter.shared_limit(
        setting("RATELIMIT_WRONG_CODE"),
        scope="wrong-code",
        key_func=client_address,
        methods=methods,
        deduct_when=_named_no_workshop,
        exempt_when=_holds_code,
    )


# Joining by form or by API: one budget per address.
join_limit = limiter.shared_limit(setting("RATELIMIT_JOIN"), scope="join", key_func=client_address, methods=["POST"])
