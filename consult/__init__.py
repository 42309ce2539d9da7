"""Tashawur: participatory workshops for communes, live on phones."""

from __future__ import annotations

import os

from flask import Flask
from flask_login import current_user
from sqlalchemy import event as sa_event

from config import INSTANCE_DIR, configs
from consult import assets, i18n, security, throttle
from consult.extensions import babel, compress, csrf, db, login_manager, migrate, socketio
from consult.realtime import packets
from consult.services.events import writing


def _configure_sqlite(engine) -> None:
    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, issue BEGIN, so that we can make it BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # measured: a commit per post holds 400 posts/s only with this
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def on_begin(connection):
        # Reads take no lock; a unit of work takes the write lock up front and waits for it (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing.get() else "BEGIN")


def compress_response(response):
    """Compress, except a signed-in facilitator's pages (BREACH): they hold the account's CSRF token beside text that
    anybody typed, and over HTTPS the compressed size would tell that token to an eavesdropper who makes them vary."""
    if response.mimetype == "text/html" and current_user.is_authenticated:
        return response
    return compress.after_request(response)


def create_app(config_class: type | str | None = None) -> Flask:
    if config_class is None or isinstance(config_class, str):
        config_class = configs[config_class or os.environ.get("FLASK_CONFIG", "development")]
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)
    os.makedirs(app.instance_path, exist_ok=True)
    security.check_secret_key(app)

    if app.config["SQLALCHEMY_DATABASE_URI"] not in ("sqlite://", "sqlite:///:memory:"):  # one connection: no pool
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("pool_timeout", app.config["POOL_TIMEOUT"])
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    csrf.init_app(app)
    # Pages, styles and scripts travel compressed (Socket.IO's polling compresses its own); under 1 KB a response
    # fits one packet as it is, so compressing it saves no round trip.
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    # Brotli at 6: a tenth smaller than zstd or brotli at 4 on our scripts, a few milliseconds each.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "zstd", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 6)
    app.config["COMPRESS_REGISTER"] = False  # compress_response below decides
    compress.init_app(app)
    app.after_request(compress_response)
    assets.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        max_http_buffer_size=app.config["MAX_CONTENT_LENGTH"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
        manage_session=True,
        json=packets,  # a payload nested too deep is refused, not a traceback
        cors_allowed_origins=security.socket_origins(app),
    )
    security.trust_proxies(app)  # after Socket.IO wraps wsgi_app, so that sockets see the client's address too
    throttle.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)

    from consult import cli, realtime, web

    web.init_app(app)
    realtime.init_app(app)
    cli.init_app(app)
    return app
