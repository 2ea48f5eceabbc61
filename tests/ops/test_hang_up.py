"""A pooled PostgreSQL connection the server has closed is never handed out: the check on
checkout (``kollega.db.check_connections_on_checkout``, instead of ``pool_pre_ping``'s
round trip) sees the hang-up and the pool connects afresh, so a restarted server or an
administrator's ``pg_terminate_backend`` costs no failed request. Healthy connections are
kept. PostgreSQL only: SQLite has no server to hang up (it keeps ``pool_pre_ping``)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.db import server_hung_up
from kollega.extensions import db
from tests.conftest import PG_URL, create_admin_engine

pytestmark = pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="KOLLEGA_TEST_DATABASE_URL is not set"),
        )
    ],
)


def _backend_pid() -> int:
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()  # back to the pool
    return int(pid)


def _terminate(pid: int) -> None:
    """Terminate one server process and wait until it has gone."""
    admin = create_admin_engine()
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            for _ in range(200):
                gone = conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                ).scalar()
                if gone == 0:
                    return
                time.sleep(0.02)
        raise AssertionError(f"server process {pid} did not exit")
    finally:
        admin.dispose()


def test_a_connection_the_server_closed_is_replaced(app: Any) -> None:
    assert db.engine.pool._pre_ping is False  # the round trip is gone ...
    first = _backend_pid()
    _terminate(first)
    # ... and yet the next statement works, on a new server process.
    second = _backend_pid()
    assert second != first


def test_healthy_connections_are_kept(app: Any) -> None:
    first = _backend_pid()
    assert _backend_pid() == first
    assert _backend_pid() == first


def test_server_hung_up_on_a_real_connection(app: Any) -> None:
    raw = db.engine.raw_connection()
    try:
        dbapi = raw.dbapi_connection
        pid = dbapi.execute("SELECT pg_backend_pid()").fetchone()[0]
        dbapi.rollback()
        assert server_hung_up(dbapi) is False
        _terminate(pid)
        for _ in range(100):  # the FATAL message and the close reach the socket
            if server_hung_up(dbapi):
                break
            time.sleep(0.01)
        assert server_hung_up(dbapi) is True
    finally:
        raw.invalidate()
