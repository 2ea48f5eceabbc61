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
    ``execute`` (a connection's, for committed rows; the session's, to count flushed ones).
    The rows as the database driver gives them: a change shows as well as in typed values."""
    out = {}
    for name, statement in _statements():
        if name in skip:
            continue
        rows = execute(statement).all()
        out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


_STATEMENTS: list[tuple[str, Any]] = []


def _statements() -> list[tuple[str, Any]]:
    """Each table's ``SELECT *`` in primary-key order as plain SQL, made once: the fuzz
    tests take a digest after every request, and building and compiling a select per
    table was most of the digest's time."""
    if not _STATEMENTS:
        for table in metadata.sorted_tables:
            pk = list(table.primary_key.columns) or list(table.columns)
            order = ", ".join(f'"{c.name}"' for c in pk)
            _STATEMENTS.append(
                (table.name, sa.text(f'SELECT * FROM "{table.name}" ORDER BY {order}'))
            )
    return _STATEMENTS
