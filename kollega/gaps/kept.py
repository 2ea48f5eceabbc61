"""What gap figures are worked out from, kept per process and keyed on their inputs.

The municipality's gap page reads every assessment of its subtree that can be the
latest at the closure's two dates (a sort of all of them in the database) and works
out every (person, competence) pair's gap from them: most of the page. The next view
of the same page asks for the same, so each process keeps the last few such frames
(``KEPT_FRAMES``), keyed on what they are read from: the people, their units'
ancestors and the requirements by their content (``digest``), the assessments by a
version read in one aggregate (``assessments_version``) instead of their rows, the
dates and today. Nothing is ever stale: a changed input is a new key. The metrics'
closure figures are keyed the same way (``metrics.kept``).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

import pandas as pd
import sqlalchemy as sa

from kollega.competence.models import (
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
)
from kollega.extensions import db

T = TypeVar("T")

# A municipality's frames at 50,000 employees take tens of MB: a few are enough for
# the pages people look at (a few units, the closure's default period, the plans'
# subtrees at their dates).
KEPT_FRAMES = 6


def digest(*frames: pd.DataFrame) -> str:
    """A digest of the frames' columns and values."""
    h = hashlib.blake2b(digest_size=16)
    for frame in frames:
        h.update(repr((list(frame.columns), len(frame))).encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


class AssessmentsVersion(NamedTuple):
    """``assessments_version``'s figures (a part of keys: hashable, compared whole)."""

    count: int
    max_id: int
    max_created: str
    person_sum: int
    competence_sum: int
    credential_sum: int
    level_sum: int
    first_on: str
    last_on: str
    tables: str


def assessments_version(people: sa.Select[tuple[int]]) -> AssessmentsVersion:
    """What a read of the assessments of ``people`` depends on, without reading its
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
    count, max_id, created, person, competence, credential, level, first, last = totals
    return AssessmentsVersion(
        int(count or 0),
        int(max_id or 0),
        str(created),
        int(person or 0),
        int(competence or 0),
        int(credential or 0),
        int(level or 0),
        str(first),
        str(last),
        h.hexdigest(),
    )


class Kept(Generic[T]):
    """The last ``size`` values by key, oldest evicted first; a worker's threads share
    it (added and evicted under a lock)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[tuple[Any, ...], T] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> T | None:
        return self._values.get(key)

    def put(self, key: tuple[Any, ...], value: T) -> None:
        with self._lock:
            self._values.pop(key, None)
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.pop(next(iter(self._values)))

    def get_or_make(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def latest_like(self, prefix: tuple[Any, ...]) -> tuple[tuple[Any, ...], T] | None:
        """The most recently kept key one longer than ``prefix`` that begins with it,
        and its value (an earlier version of the same thing)."""
        with self._lock:
            for key in reversed(list(self._values)):
                if len(key) == len(prefix) + 1 and key[: len(prefix)] == prefix:
                    return key, self._values[key]
        return None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


class KeptCopies(Generic[T]):
    """The last ``size`` values by key, as ``Kept``, each ``get`` the caller's own copy
    (kept pickled: quicker to unpickle than to deep-copy, and a caller that changes its
    copy changes nothing kept)."""

    def __init__(self, size: int) -> None:
        self._kept: Kept[bytes] = Kept(size)

    def get(self, key: tuple[Any, ...]) -> T | None:
        found = self._kept.get(key)
        return pickle.loads(found) if found is not None else None  # noqa: S301 (our own bytes)

    def put(self, key: tuple[Any, ...], value: T) -> None:
        self._kept.put(key, pickle.dumps(value))

    def get_or_make(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        found = self._kept.get(key)
        if found is None:
            found = pickle.dumps(make())
            self._kept.put(key, found)
        return pickle.loads(found)  # type: ignore[no-any-return]  # noqa: S301

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
