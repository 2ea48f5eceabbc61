"""Structured logs: one JSON object per line when ``KOLLEGA_LOG_FORMAT=json``.

Log aggregators (journald, Loki, Elasticsearch) read one record per line; the fields are
those of the ``logging`` record, never request bodies or personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, pid, extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_format(app_config: dict[str, Any] | None = None) -> str:
    value = (app_config or {}).get("LOG_FORMAT") or os.environ.get("KOLLEGA_LOG_FORMAT", "text")
    return str(value).strip().lower()


def configure(app_config: dict[str, Any] | None = None) -> None:
    """Send the root logger's records to stderr as JSON lines (once per process)."""
    if log_format(app_config) != "json":
        return
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
