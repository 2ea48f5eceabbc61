"""Disclosure audits stored in the database for every process.

A period's audit (``services.Suppression``) depends only on the unit tree, the network
memberships, the period, today and the rule itself, and costs a second or more at 6,500
employees: far more than the rest of a metrics page. Each process keeps the last few
(``services._AUDITS``); this store lets every process, and a process started after a
deploy, use an audit one of them has worked out, and lets the scheduler work out the
audits of the periods people look at (``metrics.jobs``) before anyone asks.

A row is keyed on a digest of those inputs and of the source of the rule's modules, so
a changed membership, unit, day or rule is another key: a stored audit is never stale,
only unused, and the job deletes the unused ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kollega.db import now_utc
from kollega.extensions import db
from kollega.metrics import disclosure
from kollega.metrics.models import DisclosureAudit

# The rule is the code of these modules: another version of them is another key.
_RULE_FILES = ("disclosure.py", "analysis.py", "services.py")
RULE = hashlib.blake2b(
    b"".join((Path(__file__).with_name(name)).read_bytes() for name in _RULE_FILES),
    digest_size=16,
).hexdigest()

# Unused audits go after this long (the job runs every minute; a day's audits are
# for that day only).
KEEP_FOR = dt.timedelta(days=2)


def key_text(key: tuple[Any, ...]) -> str:
    """The stored key of an audit's inputs (``services._audit_key``) under this rule."""
    return hashlib.blake2b(repr((RULE, key)).encode(), digest_size=32).hexdigest()


def read(key: tuple[Any, ...]) -> dict[disclosure.Cell, str] | None:
    """The stored audit for ``key``, or None."""
    raw = db.session.scalar(
        sa.select(DisclosureAudit.cells).where(DisclosureAudit.key == key_text(key))
    )
    if raw is None:
        return None
    return {(scope, (kind, int(uid))): reason for scope, kind, uid, reason in json.loads(raw)}


def exists(key: tuple[Any, ...]) -> bool:
    """Whether an audit for ``key`` is stored."""
    found = db.session.scalar(
        sa.select(DisclosureAudit.key).where(DisclosureAudit.key == key_text(key))
    )
    return found is not None


def write(
    key: tuple[Any, ...], start: dt.date, end: dt.date, cells: dict[disclosure.Cell, str]
) -> None:
    """Store the audit for ``key`` unless another process has (the same inputs give the
    same audit, so the first one stays). Flushed with the caller's unit of work."""
    rows = sorted(
        ([scope, kind, int(uid), reason] for (scope, (kind, uid)), reason in cells.items()),
        key=repr,
    )
    values = {
        "key": key_text(key),
        "period_from": start,
        "period_to": end,
        "made_at": now_utc(),
        "cells": json.dumps(rows, default=int, separators=(",", ":")),
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(DisclosureAudit).values(**values).on_conflict_do_nothing())


def prune(now: dt.datetime | None = None) -> int:
    """Delete the audits made more than ``KEEP_FOR`` ago; how many went."""
    cutoff = (now or now_utc()) - KEEP_FOR
    result = db.session.execute(sa.delete(DisclosureAudit).where(DisclosureAudit.made_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
