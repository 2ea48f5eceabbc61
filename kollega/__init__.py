"""kollega: collegial learning, competence and gap analysis for a municipality.

``create_app`` is the one place that wires extensions, blueprints, events and jobs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _database_url(url: str | None, instance_path: Path) -> str:
    if not url:
        return f"sqlite:///{instance_path / 'kollega.db'}"
    # psycopg 3 is the driver we ship; accept plain postgresql:// URLs.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the application. ``config`` (a dict or a class) overrides the environment."""
    import config as config_module

    settings = config_module.from_environment()
    if isinstance(config, type):
        settings = config_module.from_environment(config)
    elif isinstance(config, dict):
        base = config.get("CONFIG_CLASS")
        if base is not None:
            settings = config_module.from_environment(base)
        settings.update({k: v for k, v in config.items() if k != "CONFIG_CLASS"})

    instance_path = Path(settings.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings.get("SECRET_KEY") or _secret_key(instance_path)
    app.config["DATABASE_URL"] = _database_url(settings.get("DATABASE_URL"), instance_path)
    engine: dict[str, Any] = {"url": app.config["DATABASE_URL"]}
    if app.config["DATABASE_URL"].startswith("sqlite"):
        engine["connect_args"] = {"timeout": 30}
    else:
        # No pre-ping round trip: the check on checkout (kollega.db) replaces it.
        engine.update(pool_size=10, max_overflow=20, pool_recycle=1800, pool_pre_ping=False)
    app.config["SQLALCHEMY_ENGINES"] = {"default": engine}
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_HEADERS_ENABLED"] = True

    # Socket.IO handlers are imported before SocketIO.init_app: handlers declared while
    # a server exists bind to that server only, and tests create many apps per process.
    _register_events()
    _init_extensions(app)
    _register_blueprints(app)
    _register_jobs(app)

    from kollega import web

    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    # Imported here: the submodule ``kollega.db`` would shadow a package-level ``db``.
    from kollega.extensions import babel, csrf, db, limiter, login, socketio

    db.init_app(app)
    # kollega has no async engines; Flask would run the extension's async teardown through
    # asgiref on every app context (a fresh event loop per request, and an error in a
    # thread that already runs one, such as the Playwright tests' thread).
    app.teardown_appcontext_funcs[:] = [
        f for f in app.teardown_appcontext_funcs if f.__name__ != "_close_async_sessions"
    ]
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        from kollega.db import check_connections_on_checkout

        with app.app_context():
            check_connections_on_checkout(db.engine)
    csrf.init_app(app)
    limiter.init_app(app)
    from kollega import limits

    limits.init_app(app)

    from kollega.auth import loaders
    from kollega.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    login.init_app(app)
    loaders.init_login(login)

    origins = app.config.get("ALLOWED_ORIGINS")
    # None: only the server's own origin. With KOLLEGA_ALLOWED_ORIGINS: those and our own.
    cors: Any = _origin_checker(origins) if origins else None
    mq = app.config.get("REDIS_URL") if app.config.get("SOCKETIO_MESSAGE_QUEUE") else None
    # Flask-SocketIO keeps the queue it built for an earlier app in its options; a second
    # app in this process (tests) must not inherit another app's queue.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=mq,
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=cors,
        manage_session=True,
        max_http_buffer_size=app.config["SOCKET_MAX_PAYLOAD"],
    )


def _origin_checker(origins: str) -> Any:
    """Engine.IO origin check: the server's own origin or one listed; never ``*``."""
    allowed = {o.strip().rstrip("/") for o in origins.split(",") if o.strip() and o.strip() != "*"}

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return True  # not a browser: nothing to check (cookies are SameSite=Lax)
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in allowed or origin == own

    return check


# Feature packages, in the order their blueprints are registered. Each may have
# views.py (``bp``), api.py (operations on the shared API blueprint), events.py
# (Socket.IO handlers), models.py and jobs.py; create_app wires what exists.
FEATURES = (
    "home",
    "auth",
    "org",
    "audit",
    "networks",
    "competence",
    "gaps",
    "training",
    "cycle",
    "metrics",
    "plans",
    "privacy",
    "admin",
    "demo",
    "ops",
)


def feature_modules(kind: str) -> list[Any]:
    """Import ``kollega.<feature>.<kind>`` for every feature that has one."""
    import importlib
    import importlib.util

    modules = []
    for feature in FEATURES:
        name = f"kollega.{feature}.{kind}"
        if importlib.util.find_spec(f"kollega.{feature}") is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        modules.append(importlib.import_module(name))
    return modules


def _register_blueprints(app: Flask) -> None:
    from kollega.api import bp as api_bp

    feature_modules("api")  # attach their routes to the API blueprint before registering it
    for module in feature_modules("views"):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_bp)


def _register_events() -> None:
    feature_modules("events")


def _register_jobs(app: Flask) -> None:
    from kollega import scheduler

    feature_modules("jobs")  # each registers its jobs with kollega.scheduler
    # ``kollega run`` starts the embedded scheduler through this hook.
    app.extensions["kollega.start_background"] = scheduler.start_embedded
