"""/healthz: 200 with every check passing, 503 otherwise; no sign-in, no personal data.
JSON log lines from kollega.ops.logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa

from kollega.cycle.jobs import HEARTBEAT
from kollega.cycle.models import SchedulerHeartbeat
from kollega.extensions import db
from kollega.ops.logs import JsonFormatter


def _beat(at: dt.datetime) -> None:
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT)
    if row is None:
        db.session.add(SchedulerHeartbeat(name=HEARTBEAT, beat_at=at, pid=1))
    else:
        row.beat_at = at
    db.session.commit()


def test_healthy_with_a_recent_heartbeat(client: Any, app: Any) -> None:
    _beat(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["scheduler"]["ok"] is True
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing about people in it.
    assert "pid" not in json.dumps(body)


def test_503_without_a_scheduler_heartbeat(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"] == {"ok": False, "last_beat": None}


def test_503_when_the_heartbeat_is_old(client: Any) -> None:
    _beat(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["ok"] is False


def test_redis_is_required_with_the_message_queue(client: Any, app: Any) -> None:
    _beat(dt.datetime.now(dt.UTC))
    app.config.update(SOCKETIO_MESSAGE_QUEUE=True, REDIS_URL="redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"]["ok"] is False


def test_json_log_line() -> None:
    record = logging.LogRecord(
        "kollega.x", logging.WARNING, __file__, 1, "hello %s", ("world",), None
    )
    record.request_id = "abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING"
    assert line["logger"] == "kollega.x"
    assert line["message"] == "hello world"
    assert line["request_id"] == "abc"
    assert line["time"].endswith("+00:00")


def test_ready_when_the_database_answers_at_the_migration_head(client: Any) -> None:
    """/readyz needs no scheduler: a web process is ready when its database (at the head
    this code ships) and its Redis answer."""
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    migrations = body["checks"]["migrations"]
    assert migrations["ok"] is True and migrations["database"] == migrations["head"]
    assert len(migrations["head"]) == 1
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_before_db_upgrade_or_without_redis(client: Any, app: Any) -> None:
    head = client.get("/readyz").get_json()["checks"]["migrations"]["head"][0]
    # A database one migration behind the code (the new version deployed, not yet upgraded).
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "not_ready"
        assert body["checks"]["migrations"] == {"ok": False, "database": ["0001"], "head": [head]}
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert client.get("/readyz").status_code == 200
    # Redis configured but not answering.
    app.config.update(SOCKETIO_MESSAGE_QUEUE=True, REDIS_URL="redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"]["ok"] is False
