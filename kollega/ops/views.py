"""``GET /healthz`` and ``GET /readyz``: for load balancers, monitoring and deployments.

JSON, 200 when every check passes and 503 otherwise; no sign-in, no personal data.

- ``/healthz`` (is the site working?): the database answers ``SELECT 1``; Redis answers
  PING (when configured); the scheduler's heartbeat is recent (``kollega scheduler``
  writes it every minute).
- ``/readyz`` (may this web process take traffic?): the database answers, Redis answers
  (when configured), and the database's schema is at the migration head this code ships
  (``kollega db upgrade`` has run). The scheduler is not this process's business: a
  rolling restart waits for ``/readyz`` of each process before restarting the next.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from kollega import migrate
from kollega.cycle.jobs import HEARTBEAT
from kollega.cycle.models import SchedulerHeartbeat
from kollega.extensions import db
from kollega.ops import logs

bp = Blueprint("ops", __name__)

# The scheduler beats every minute; three missed beats mean it is down.
HEARTBEAT_MAX_AGE = dt.timedelta(minutes=3)


@bp.record_once
def _setup(state: Any) -> None:
    logs.configure(state.app.config)


def _check_database() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def _check_redis() -> dict[str, Any]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        # Without Redis only one process can serve; that is a failure in production.
        needed = bool(current_app.config.get("SOCKETIO_MESSAGE_QUEUE"))
        return {"ok": not needed, "configured": False}
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return {"ok": True, "configured": True}
    except Exception as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}


def _check_scheduler() -> dict[str, Any]:
    try:
        row = db.session.get(SchedulerHeartbeat, HEARTBEAT)
    except Exception as exc:
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    if row is None:
        return {"ok": False, "last_beat": None}
    beat_at = row.beat_at if row.beat_at.tzinfo else row.beat_at.replace(tzinfo=dt.UTC)
    age = dt.datetime.now(dt.UTC) - beat_at
    return {
        "ok": age <= HEARTBEAT_MAX_AGE,
        "last_beat": beat_at.isoformat(timespec="seconds"),
        "age_seconds": max(0, int(age.total_seconds())),
    }


@bp.route("/healthz")
def healthz() -> Any:
    checks = {
        "database": _check_database(),
        "redis": _check_redis(),
        "scheduler": _check_scheduler(),
    }
    healthy = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if healthy else "fail", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@functools.cache
def _migration_heads() -> frozenset[str]:
    """The heads of ``migrations/`` (read once: the code does not change under a process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def _check_migrations() -> dict[str, Any]:
    """The database's Alembic revisions are the code's heads: ``kollega db upgrade`` ran."""
    heads = _migration_heads()
    try:
        applied = frozenset(
            db.session.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        )
    except Exception as exc:
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__, "head": sorted(heads)}
    return {"ok": applied == heads, "database": sorted(applied), "head": sorted(heads)}


@bp.route("/readyz")
def readyz() -> Any:
    checks = {"database": _check_database(), "redis": _check_redis()}
    checks["migrations"] = (
        _check_migrations() if checks["database"]["ok"] else {"ok": False, "error": "database"}
    )
    ready = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ready" if ready else "not_ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
