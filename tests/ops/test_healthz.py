"""/healthz: 200 with every check passing, 503 otherwise; no sign-in, no personal data.
JSON log lines from kollega.ops.logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

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
