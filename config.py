"""Configuration classes: pick one with create_app(config_class)."""

import os
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


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'tashawur.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    # gevent by default; eventlet is supported; app.py monkey-patches to match before anything else runs.
    ASYNC_MODE = os.environ.get("CONSULT_ASYNC_MODE", "gevent")
    BABEL_DEFAULT_LOCALE = "ar"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # Requests and socket messages above this size are refused before any handler runs.
    MAX_CONTENT_LENGTH = 256 * 1024
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a workshop lasts a day; a form left open must still post
    PUBLIC_URL = os.environ.get("PUBLIC_URL")  # what the QR code points at, when behind a proxy


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = database_url("sqlite://")
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "testing"
    ASYNC_MODE = "threading"  # the Flask-SocketIO test client runs handlers in the calling thread


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"


configs = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
