"""Fixtures: an app and a fresh database per test, on SQLite and (when configured) PostgreSQL.

- ``app`` is parametrised over the backends: SQLite always, PostgreSQL when
  ``KOLLEGA_TEST_DATABASE_URL`` is set. Under ``CI=true`` a missing PostgreSQL, Redis or
  Chromium fails the run instead of skipping.
- The schema comes from the Alembic migrations, applied once per backend and worker;
  each test then gets an empty copy (a copied SQLite file, truncated PostgreSQL tables).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("KOLLEGA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("KOLLEGA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PRODUCTION_HASHER: Any = None  # kollega's own argon2 hasher (see _cheap_password_hashing)


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true but KOLLEGA_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
        )
    _reuse_url_builders()
    _cheap_password_hashing()
    _fewer_collections()


def _fewer_collections() -> None:
    """The cyclic garbage collector less often. Each test builds an app (~100,000
    objects) and its world, so with the default thresholds (700, 10, 10) the collector ran
    every few hundred allocations and walked the whole heap of imported modules often:
    about a fifth of the CPU of tests/org. Collections still run, every 50,000 net
    allocations, and the heap stays within some 30 MB of what it was."""
    import gc

    gc.set_threshold(50_000, 20, 50)


def _cheap_password_hashing() -> None:
    """argon2 with the cheapest parameters in the test processes. With the production ones
    (64 MiB, 3 passes, 4 lanes) each sign-in took 0.2 s of CPU, and the suite signs in
    thousands of times. The hashes are still argon2 and every sign-in still verifies one;
    tests/auth/test_sign_in.py checks the production parameters and the rehash to them
    (its ``production_argon2`` fixture). Servers the tests start in other processes hash
    with the production parameters (and rehash these hashes at the first sign-in)."""
    from argon2 import PasswordHasher

    from kollega.auth import services

    global PRODUCTION_HASHER
    if PRODUCTION_HASHER is None:
        PRODUCTION_HASHER = services._hasher
    services._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    services._DUMMY_HASH = services._hasher.hash("kollega-timing-equaliser")


def _reuse_url_builders() -> None:
    """Every test builds its own app, and Werkzeug compiles two URL builders (ast, then
    ``compile``) for each of the ~600 rules: most of ``create_app``'s time. A builder's
    code depends only on the rule's parsed parts (and its defaults, when it has any), so
    apps with the same rules can share it; rules with defaults are compiled as usual."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "kollega_shared", False):
        return  # another Werkzeug, or already installed
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    shared.kollega_shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = shared  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests (``@pytest.mark.browser``) run once, on SQLite: what they check is the
    page in a browser, and the database is covered by the rest of the suite."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_other_backend = (
            callspec is not None and callspec.params.get("backend", "sqlite") != "sqlite"
        )
        (drop if item.get_closest_marker("browser") and on_other_backend else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Slow tests first (a stable sort): with two workers, one started last would leave
    # the other idle until it ends.
    items[:] = sorted(keep, key=lambda item: item.get_closest_marker("slow") is None)


def service_missing(reason: str) -> None:
    """Skip on a developer machine, fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: services are required)")
    pytest.skip(reason)


def require_processes(backend: str, *, nginx: bool = False, node: bool = False) -> None:
    """The preconditions of a test with several server processes: PostgreSQL (the SQLite
    parametrisation skips: they share one database), and nginx or Node with
    socket.io-client where the test drives them (missing: a failure in CI, a skip elsewhere)."""
    from tests import servers

    if backend != "postgresql":
        pytest.skip("several processes share PostgreSQL")
    if node and shutil.which("node") is None:
        service_missing("Node.js (`node`) is needed for the real Socket.IO client")
    if node and not (servers.ROOT / "node_modules" / "socket.io-client").is_dir():
        service_missing("node_modules/socket.io-client is missing (`npm ci`)")
    if nginx and not os.access(servers.NGINX, os.X_OK):
        service_missing(f"nginx not found at {servers.NGINX} (apt-get install nginx)")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url_for_worker() -> str:
    url = sa.make_url(PG_URL).set(drivername="postgresql+psycopg")
    # KOLLEGA_TEST_DB_TAG keeps parallel test runs (several engineers) off each other's databases.
    # Without a tag, the xdist run id (or the process id) makes each run's databases its own.
    tag = (
        os.environ.get("KOLLEGA_TEST_DB_TAG")
        or os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:10]
        or str(os.getpid())
    )
    name = f"kollega_test_{tag}_{_worker()}"
    return url.set(database=name).render_as_string(hide_password=False)


def _recreate_pg_database(url: str) -> None:
    target = sa.make_url(url)
    admin = create_admin_engine()
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": target.database},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def create_admin_engine() -> sa.Engine:
    url = sa.make_url(PG_URL).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Migrated databases, once per session and worker, keyed by backend, and the Jinja
    bytecode cache; the PostgreSQL database is dropped when the session ends."""
    from jinja2 import FileSystemBytecodeCache

    templates: dict[str, Any] = {"dir": tmp_path_factory.mktemp("db-templates")}
    # Each test's app has its own Jinja environment; without a shared bytecode cache every
    # test compiles each template it renders again. The key includes the source's checksum.
    templates["jinja"] = FileSystemBytecodeCache(str(tmp_path_factory.mktemp("jinja")))
    yield templates
    if "postgresql" in templates:
        _drop_pg_database(templates["postgresql"])


def _drop_pg_database(url: str) -> None:
    """Drop the worker's database in a process of its own, which nothing waits for: the
    DROP took 2-20 s at the end of each worker (PostgreSQL writes the dirty buffers out)."""
    admin = sa.make_url(PG_URL).set(drivername="postgresql+psycopg")
    subprocess.Popen(
        [sys.executable, "-c", _DROP, admin.render_as_string(hide_password=False)],
        env={**os.environ, "KOLLEGA_DROP_DATABASE": str(sa.make_url(url).database)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


_DROP = """
import os, sys
import sqlalchemy as sa
name = os.environ["KOLLEGA_DROP_DATABASE"]
engine = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
"""


def _migrated(backend: str, templates: dict[str, Any]) -> str:
    from kollega import create_app
    from kollega.migrate import upgrade

    if backend in templates:
        return templates[backend]
    if backend == "sqlite":
        path = templates["dir"] / "template.db"
        app = create_app(_settings(f"sqlite:///{path}", templates["dir"]))
        upgrade(app)
        with app.app_context():
            from kollega.extensions import db

            # Closing the last connection checkpoints the WAL into the file we copy.
            db.engine.dispose()
        templates[backend] = str(path)
    else:
        try:
            url = _pg_url_for_worker()
            _recreate_pg_database(url)
        except sa.exc.OperationalError as exc:
            service_missing(f"PostgreSQL at {PG_URL} does not answer: {exc.orig}")
        app = create_app(_settings(url, templates["dir"]))
        upgrade(app)
        with app.app_context():
            from kollega.extensions import db

            db.engine.dispose()
        templates[backend] = url
    return templates[backend]


def _settings(url: str, instance: Path, **extra: Any) -> dict[str, Any]:
    from config import TestConfig

    return {
        "CONFIG_CLASS": TestConfig,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key-not-for-production",
        **extra,
    }


def _truncate_all(app: Any) -> None:
    """Empty every model table and restart the used sequences, as ``TRUNCATE ... RESTART
    IDENTITY`` would. TRUNCATE of every table took 0.3-2 s per test (a new file per
    table); deleting the rows of the few tables that have any takes milliseconds.
    Foreign-key triggers are off while deleting (``session_replication_role``, which
    needs a superuser, as the test server has); without that, plain TRUNCATE."""
    from kollega.extensions import db
    from kollega.models import metadata

    tables = metadata.sorted_tables
    with app.app_context(), db.engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        except sa.exc.DBAPIError:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        probe = " UNION ALL ".join(
            f'SELECT {i} WHERE EXISTS (SELECT 1 FROM "{t.name}")' for i, t in enumerate(tables)
        )
        for (i,) in conn.execute(sa.text(probe)).all():
            conn.execute(sa.text(f'DELETE FROM "{tables[i].name}"'))
        # pg_sequences shows last_value only for a sequence that has handed out a value.
        used = conn.execute(
            sa.text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                " FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).scalars()
        for name in list(used):
            conn.execute(sa.text(f"ALTER SEQUENCE {name} RESTART"))


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own ``g`` (database session, current
    user) as in production, although the test holds an app context open."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        saved = dict(vars(g))
        vars(g).clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            for session in vars(g).get("_sqlalchemy_sessions", {}).values():
                session.close()
            vars(g).clear()
            vars(g).update(saved)
            for session in saved.get("_sqlalchemy_sessions", {}).values():
                session.expire_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Override in a test module to change configuration."""
    return {}


@pytest.fixture
def app(
    backend: str, _templates: dict[str, Any], tmp_path: Path, app_settings: dict[str, Any]
) -> Iterator[Any]:
    from kollega import create_app
    from kollega.extensions import db

    template = _migrated(backend, _templates)
    if backend == "sqlite":
        path = tmp_path / "kollega.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        url = template
    app = create_app(_settings(url, tmp_path, **app_settings))
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _templates["jinja"]
    if backend == "postgresql":
        _truncate_all(app)
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.rollback()
    db.session.close()
    ctx.pop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def db_session(app: Any) -> Any:
    from kollega.extensions import db

    return db.session


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    from kollega.cli import main

    def invoke(*args: str, input: str | None = None) -> Any:
        from flask.cli import ScriptInfo

        return app.test_cli_runner().invoke(
            main, list(args), input=input, obj=ScriptInfo(create_app=lambda: app)
        )

    return invoke


@pytest.fixture
def org(app: Any) -> factories.Org:
    """A small municipality with people in each role; see ``factories.build_org``."""
    return factories.build_org()


def login(client: Any, person: Any, password: str = factories.PASSWORD) -> Any:
    response = client.post("/login", data={"email": person.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def login_as(client: Any) -> Any:
    def do(person: Any) -> Any:
        login(client, person)
        return client

    return do


# --- real servers: Redis, a live HTTP + Socket.IO server, Chromium ---------------------


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL} does not answer: {exc}")
    return REDIS_URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    """The app served over real HTTP and WebSocket on a free local port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    executable = os.environ.get("KOLLEGA_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        service_missing(f"Chromium not found at {executable} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
