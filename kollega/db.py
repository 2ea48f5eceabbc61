"""Declarative base, the UTC datetime type and small database helpers."""

from __future__ import annotations

import datetime as dt
import select
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores aware datetimes as naive UTC and gives them back aware (UTC).

    SQLite has no time zones and PostgreSQL ``timestamp`` columns are compared
    naively, so the only safe convention is: UTC in the database, always.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers and one writer overlap,
    # and synchronous=NORMAL is durable in WAL mode without a disk sync per commit.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def server_hung_up(dbapi_connection: Any) -> bool:
    """Whether the server has closed an idle connection (a restart, an administrator's
    ``pg_terminate_backend``, an idle timeout): closed on our side, or its socket readable
    although no query is running, i.e. the server's last words or end of file are
    waiting. Costs one ``poll`` system call, no round trip."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    try:
        fd = dbapi_connection.fileno()
    except Exception:
        return True
    poller = select.poll()  # not select.select: a busy process has descriptors above 1024
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _refuse_hung_up(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
    if server_hung_up(dbapi_connection):
        # As pool_pre_ping does: a hang-up usually means a restart, so every connection
        # pooled before now is discarded; the pool connects afresh and goes on.
        raise exc.InvalidatePoolError("the database server closed the connection")


def check_connections_on_checkout(engine: Engine) -> None:
    """Replace ``pool_pre_ping`` on PostgreSQL: before a pooled connection is handed out,
    see whether the server hung up on it (``server_hung_up``) instead of a ``SELECT 1``
    round trip. A socket event paid for that round trip on every event, and under load
    every round trip is another wait for the GIL behind the broadcast's writer threads
    (benchmarks/RESULTS.md, fifth session). A restarted server still costs no failed
    request (tests/ops/test_hang_up.py)."""
    event.listen(engine, "checkout", _refuse_hung_up)
