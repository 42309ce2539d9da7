"""Configuration classes: pick one with create_app(config_class)."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # psycopg 3 is the driver we ship; accept the usual postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def env_limit(name: str, default: str) -> str:
    """A throttle limit ("20 per minute", several joined by ";"), overridable by the environment variable of its name."""
    return os.environ.get(name, default)


class Config:
    # None: production refuses to start, development keeps a key in instance/secret_key (consult/security.py).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    PRODUCTION = False
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'tashawur.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # A request waits at most this long for a free database connection (SQLAlchemy's default is 30 s), then gets a 503
    # that says when to come back: a page nobody answers for 30 s is a page people have left. Pooled engines only.
    POOL_TIMEOUT = 10
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    # Venue Wi-Fi can go silent without closing: a ping every 10 s, 10 s to answer, so a phone sees a dead link
    # within 20 s (the default 25 + 20 s was longer than people wait) and a roaming blip of a few seconds survives.
    SOCKETIO_PING_INTERVAL = int(os.environ.get("SOCKETIO_PING_INTERVAL", "10"))
    SOCKETIO_PING_TIMEOUT = int(os.environ.get("SOCKETIO_PING_TIMEOUT", "10"))
    # gevent by default; eventlet is supported; app.py monkey-patches to match before anything else runs.
    ASYNC_MODE = os.environ.get("CONSULT_ASYNC_MODE", "gevent")
    BABEL_DEFAULT_LOCALE = "ar"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # Requests and socket messages above this size are refused before any handler runs.
    MAX_CONTENT_LENGTH = 256 * 1024
    # A process's public repository takes PDFs and images up to this size (the upload form alone lifts the limit).
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    # Where uploaded documents are kept; empty: the instance folder's uploads/.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a workshop lasts a day; a form left open must still post
    PUBLIC_URL = os.environ.get("PUBLIC_URL")  # what the QR code points at, when behind a proxy
    # How many proxies in front of us set X-Forwarded-For/-Proto/-Host; 0 trusts none (a client could forge them).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Origins allowed to open a socket besides our own and PUBLIC_URL's: comma-separated, e.g. "https://a.ma".
    SOCKETIO_CORS_ORIGINS = [o.strip() for o in os.environ.get("SOCKETIO_CORS_ORIGINS", "").split(",") if o.strip()]
    HSTS_SECONDS = 0  # Strict-Transport-Security max-age; production turns it on

    # A remember-me cookie is a login that outlives the browser: keep it short, out of scripts, off other sites.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "14")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Throttles (consult/throttle.py). A whole venue often reaches us from ONE public address (300 phones on the
    # hall's Wi-Fi), so per-address limits are sized for a room; per-account, per-participant and per-socket ones
    # are tight. Storage: memory in one process, Redis when RATELIMIT_STORAGE_URI or a redis:// message queue is set.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    # The doors (login, codes, joins) count exactly: no burst at a window's edge. A sliding window counter costs less
    # (at 100 posts/s the limits library took 9 % of py-spy's samples, 2 % with it) but weighs the previous window: a
    # hall's 50 joins straddling a window's edge let more in at once. Posts, socket reads and a consultation's
    # answers, by the hundred a second, take the counter (throttle.hit): a burst at a window's end can let up to about
    # twice a limit through within one window's length, which a flood guard can bear.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tashawur")
    # A few staff log in from one office; 300 guesses at 5/s now take 100 minutes from one address.
    RATELIMIT_LOGIN_ADDRESS = env_limit("RATELIMIT_LOGIN_ADDRESS", "30 per 10 minutes")
    # Wrong passwords for one account from anywhere: stops a spread-out guess; a typo-prone person gets 10 tries.
    RATELIMIT_LOGIN_ACCOUNT = env_limit("RATELIMIT_LOGIN_ACCOUNT", "10 per 15 minutes")
    # Codes that name no workshop, per address: a hall's typos stay below; 25^6 codes at 10 a minute are hopeless.
    RATELIMIT_WRONG_CODE = env_limit("RATELIMIT_WRONG_CODE", "100 per 10 minutes")
    # Joins per address: a 300-person hall behind one address joins in 90 s (5/s); a rejoin loop costs 15 ms each.
    RATELIMIT_JOIN = env_limit("RATELIMIT_JOIN", "50 per 10 seconds; 200 per minute; 1000 per hour")
    # Posts per address and workshop: twice a 300-person room's peak (a card each a minute, 5/s), a third of what
    # one process serves (bench/flood.py); the short windows stop a burst of fresh identities at once.
    RATELIMIT_POST_ADDRESS = env_limit("RATELIMIT_POST_ADDRESS", "20 per second; 120 per 10 seconds; 600 per minute")
    # Post attempts per participant: the service keeps 20 items a minute; a resend of an unacknowledged post fits.
    RATELIMIT_POST_PARTICIPANT = env_limit("RATELIMIT_POST_PARTICIPANT", "30 per minute")
    # `state` redraws a whole screen: a phone needs it on (re)connect, not in a loop.
    RATELIMIT_SOCKET_STATE = env_limit("RATELIMIT_SOCKET_STATE", "10 per minute")
    # `sync` pages through missed events (1000 a page): a reconnecting phone needs a few in a row.
    RATELIMIT_SOCKET_SYNC = env_limit("RATELIMIT_SOCKET_SYNC", "30 per minute")
    # The consultation on the draft, per browser: reading a 50-recommendation draft and supporting most of it fits;
    # per address: a commune office's public terminal or a cybercafé serves many people.
    RATELIMIT_CONSULT_SUPPORT_BROWSER = env_limit("RATELIMIT_CONSULT_SUPPORT_BROWSER", "60 per minute; 300 per day")
    RATELIMIT_CONSULT_SUPPORT_ADDRESS = env_limit("RATELIMIT_CONSULT_SUPPORT_ADDRESS", "300 per minute; 3000 per day")
    # A comment takes a minute to write: 5 a minute from one browser is already a lot, 30 a day a flood.
    RATELIMIT_CONSULT_COMMENT_BROWSER = env_limit("RATELIMIT_CONSULT_COMMENT_BROWSER", "5 per minute; 30 per day")
    RATELIMIT_CONSULT_COMMENT_ADDRESS = env_limit("RATELIMIT_CONSULT_COMMENT_ADDRESS", "60 per minute; 600 per day")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = database_url("sqlite://")
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "testing"
    RATELIMIT_STORAGE_URI = "memory://"  # a fresh count per app: one test's knocks never throttle the next
    ASYNC_MODE = "threading"  # the Flask-SocketIO test client runs handlers in the calling thread


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A year, without includeSubDomains: a commune's other sites may not all speak HTTPS yet.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


configs = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
