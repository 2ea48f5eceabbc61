"""kollega: collegial learning, competence and gap analysis for a municipality.

``create_app`` is the one place that wires extensions, blueprints, events and jobs.
"""

from __future__ import annotations

import os
import secrets
import sys
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


def gevent_patched() -> bool:
    """Whether gevent has monkey-patched this process (gunicorn's gevent worker does so
    before it loads the app). Never imports gevent itself."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("socket"))


def async_mode(configured: str | None) -> str:
    """Flask-SocketIO's async mode: ``KOLLEGA_ASYNC_MODE`` when set to a mode, else
    ("auto") the server model's: gevent in a gevent-patched process, threading elsewhere."""
    if configured and configured != "auto":
        return configured
    return "gevent" if gevent_patched() else "threading"


def cooperative_psycopg() -> None:
    """Make psycopg 3 wait for PostgreSQL through gevent's hub.

    psycopg picks its wait function when ``psycopg.waiting`` is first imported: the C
    ``wait_c`` (which blocks the whole process, every greenlet with it) unless gevent has
    patched ``select`` by then, else ``wait_poll`` on the patched ``select.poll``; its
    ``wait_conn`` binds ``selectors.DefaultSelector`` at import too. Under gunicorn's gevent
    worker the patch comes first and psycopg is cooperative as it is. Imported earlier (an
    app preloaded before the worker patched), the module is loaded again here so that it
    chooses by the patched modules. tests/ops/test_server_model.py shows a query waiting in
    PostgreSQL does not stop other requests."""
    module = sys.modules.get("psycopg.waiting")
    if module is None:
        return  # imported later, after the patch: it chooses right by itself
    import importlib
    import selectors

    wait_c = getattr(module, "wait_c", None)
    if module.wait is wait_c or module.DefaultSelector is not selectors.DefaultSelector:
        importlib.reload(module)


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


def gunicorn_settings(host: str, port: int, debug: bool = False) -> dict[str, Any]:
    """gunicorn.conf.py's settings (production's: one worker, gevent unless
    ``KOLLEGA_WORKER_CLASS`` says otherwise), bound to ``host:port``; the access log only
    with ``debug``."""
    import runpy

    conf = ROOT / "gunicorn.conf.py"
    settings: dict[str, Any] = {"worker_class": "gevent"}
    if conf.exists():
        settings = runpy.run_path(str(conf))
    settings["bind"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    settings["workers"] = 1  # one Socket.IO server, and the embedded scheduler in it
    if not debug:
        settings["accesslog"] = None
    return settings


def serve(host: str, port: int, debug: bool = False) -> None:
    """``kollega run``: gunicorn with production's server model (gunicorn.conf.py: one
    gevent worker) in this process. The worker builds the app after gevent has patched it,
    so the app runs in gevent mode, and starts the embedded scheduler once (unless
    ``KOLLEGA_SCHEDULER_ENABLED=0``)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_settings(host, port, debug).items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            app = create_app()
            app.debug = debug
            start = app.extensions.get("kollega.start_background")
            if start is not None:
                start(app)
            return app

    Server().run()


def _init_extensions(app: Flask) -> None:
    # Imported here: the submodule ``kollega.db`` would shadow a package-level ``db``.
    from kollega.extensions import babel, csrf, db, limiter, login, socketio
    from kollega.realtime import JsonPacket

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
    mode = async_mode(app.config.get("ASYNC_MODE"))
    app.config["ASYNC_MODE"] = mode
    if mode == "gevent":
        # redis-py and everything else on sockets are cooperative through the patched
        # socket module; psycopg 3 chooses its wait function itself.
        cooperative_psycopg()
    mq = app.config.get("REDIS_URL") if app.config.get("SOCKETIO_MESSAGE_QUEUE") else None
    # Flask-SocketIO keeps the queue it built for an earlier app in its options; a second
    # app in this process (tests) must not inherit another app's queue.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=mode,
        message_queue=mq,
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=cors,
        manage_session=True,
        max_http_buffer_size=app.config["SOCKET_MAX_PAYLOAD"],
        serializer=JsonPacket,
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
    "uploads",
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
