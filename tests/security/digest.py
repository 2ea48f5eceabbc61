"""A digest of every table's rows, for the fuzz tests: equal before and after a refused
request means it changed nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from kollega.models import metadata


def table_digests(execute: Callable[[Any], Any], skip: Iterable[str] = ()) -> dict[str, str]:
    """One SHA-256 per table (``skip`` left out) of its rows in primary-key order, read with
    ``execute`` (a connection's, for committed rows; the session's, to count flushed ones)."""
    out = {}
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        pk = list(table.primary_key.columns) or list(table.columns)
        rows = execute(sa.select(table).order_by(*pk)).all()
        out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out
