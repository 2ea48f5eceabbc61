"""Gap closure figures kept per process, keyed on everything they are worked out from.

A metrics page's closure reads every assessment of the subtree that can be the latest
at any of its 13 dates (a sort of all of them in the database for the municipality)
and works out every (person, competence) pair at each date: about half of the page.
The same period's page, exports and API calls ask for the same figures, so each process
keeps the last few, keyed on their inputs: the frames read for them (people,
ancestors, requirements, competences, sub-units, memberships) by their content, the
dates, today and the language, and the assessments by a version read in one
aggregate (``assessments_version``) instead of the rows themselves. Nothing is ever
stale: a changed input is a new key.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pandas as pd
import sqlalchemy as sa

from kollega.competence.models import (
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
)
from kollega.extensions import db

KEPT = 16
_KEPT: dict[tuple[Any, ...], Any] = {}


def digest(*frames: pd.DataFrame) -> str:
    """A digest of the frames' columns and values."""
    h = hashlib.blake2b(digest_size=16)
    for frame in frames:
        h.update(repr((list(frame.columns), len(frame))).encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def assessments_version(people: sa.Select[tuple[int]]) -> tuple[Any, ...]:
    """What the closure's assessment read of ``people`` depends on, without reading its
    rows.

    Assessments are only added (and deleted with their person, competence or
    credential): their count, highest id and latest creation change with any such
    change (PostgreSQL never reuses an id), and the sums of their people, competences,
    credentials and levels and their date range stand guard where SQLite reuses the
    highest id after a deletion. Credentials' expiry can be edited (an import), so
    every credential's id and expiry, and what each evidences, are digested whole
    (a few thousand rows); and the competences' ids and codes (the read is by code)."""
    a = Assessment
    totals = db.session.execute(
        sa.select(
            sa.func.count(a.id),
            sa.func.max(a.id),
            sa.func.max(a.created_at),
            sa.func.sum(a.person_id),
            sa.func.sum(a.competence_id),
            sa.func.sum(a.credential_id),
            sa.func.sum(a.level),
            sa.func.min(a.assessed_on),
            sa.func.max(a.assessed_on),
        ).where(a.person_id.in_(people))
    ).one()
    tables = [
        sa.select(FormalCredential.id, FormalCredential.expires_on).order_by(FormalCredential.id),
        sa.select(CredentialCompetence.credential_id, CredentialCompetence.competence_id).order_by(
            CredentialCompetence.credential_id, CredentialCompetence.competence_id
        ),
        sa.select(Competence.id, Competence.code).order_by(Competence.id),
    ]
    h = hashlib.blake2b(digest_size=16)
    for stmt in tables:
        h.update(repr([tuple(row) for row in db.session.execute(stmt)]).encode())
    return (*(str(v) for v in totals), h.hexdigest())


def get(key: tuple[Any, ...]) -> Any | None:
    """A copy of the figures kept for ``key`` (the caller may change it), or None."""
    found = _KEPT.get(key)
    return copy.deepcopy(found) if found is not None else None


def put(key: tuple[Any, ...], value: Any) -> None:
    _KEPT[key] = copy.deepcopy(value)
    while len(_KEPT) > KEPT:
        try:  # another thread may be trimming too
            _KEPT.pop(next(iter(_KEPT)))
        except (KeyError, RuntimeError, StopIteration):
            break
