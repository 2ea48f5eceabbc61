"""The subtree's assessments read for the gap at several dates, reduced in the database:
only integers travel, and only the rows that can be the latest at one of the dates.
``queries`` builds the gap's frames on it; ``kept_reads`` keeps its answers per process."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kollega.competence.models import (
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
)
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

ASSESSMENT_COLUMNS = ["id", "person_id", "competence", "level", "source", "assessed_on"]


def subtree_people_stmt(unit: OrgUnit) -> sa.Select[tuple[int]]:
    """Ids of the active people in the unit's subtree."""
    return (
        sa.select(Person.id)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
    )


def source_rank() -> sa.ColumnElement[int]:
    return sa.case((Assessment.source == "leader", 3), (Assessment.source == "formal", 2), else_=1)


# Up to this many people are looked up by id (SQLite allows 32,766 parameters).
MAX_ID_LIST = 10_000
# Dates travel as whole days since 1970-01-01 (integers: no date objects or strings per row).
EPOCH = dt.date(1970, 1, 1)
SOURCES_BY_RANK = np.array([None, "self", "formal", "leader"], dtype=object)
# The expiry day number of a credential that never expires (and of no credential).
NEVER = -(2**31)


def _day_number(dialect: str) -> sa.ColumnElement[int]:
    """assessed_on as days since 1970-01-01, computed in the database."""
    if dialect == "postgresql":
        return sa.type_coerce(
            Assessment.assessed_on - sa.cast(sa.literal(EPOCH.isoformat()), sa.Date), sa.Integer
        )
    # julianday() of a date is N.5; N - 2440587 is the day number (1970-01-01 is 0).
    return sa.cast(sa.func.julianday(Assessment.assessed_on), sa.Integer) - 2440587


def subtree_assessments_at_dates(
    unit: OrgUnit,
    competences: Iterable[str],
    dates: Sequence[dt.date],
    person_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The assessments of the unit's subtree's active people that can be the latest
    one on or before any of ``dates``, in one read reduced in the database.

    The dates cut the history into buckets (on or before the first date, then up to
    each next one); only the last assessment per (person, competence, bucket) is
    kept (same-day order leader > formal > self, then id): DISTINCT ON in PostgreSQL,
    max() with bare columns in SQLite. The latest one on or before
    date k is the last of the latest non-empty bucket up to k, so
    ``analysis.current_levels`` gives the same answer at each date as the full history.
    With one date there is one bucket, and the pairs are grouped alone (SQLite walks
    its (person, competence, date) index in order instead of sorting).
    ``person_ids`` (the subtree's people, when already read) lets SQLite look them up
    by index instead of scanning every assessment; beyond ``MAX_ID_LIST`` of them
    every assessment is read (no join) and the rows of other people are dropped here.
    PostgreSQL joins the subtree's people instead (a list of thousands of ids costs
    more to send and parse than the join). Only integers travel (the source as its
    rank, the date as a day number). Returns ``ASSESSMENT_COLUMNS``."""
    codes = sorted(set(competences))
    days = sorted(set(dates))
    if not codes or not days:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ASSESSMENT_COLUMNS})
    ids = dict(
        db.session.execute(
            sa.select(Competence.id, Competence.code).where(Competence.code.in_(codes))
        ).all()
    )
    if len(days) > 1 and _expiry_before(sorted(ids), days[-1]):
        return _with_lapsing(unit, ids, days, person_ids)
    return _latest_rows(unit, ids, days, person_ids)


def _latest_rows(
    unit: OrgUnit,
    ids: dict[int, str],
    days: list[dt.date],
    person_ids: Sequence[int] | None,
    without: np.ndarray | None = None,
) -> pd.DataFrame:
    """``subtree_assessments_at_dates``'s read: the last assessment per (person,
    competence, date bucket) of the competences ``ids`` (id -> code); with one date only
    those that count at it. ``without`` (rows of person id, competence id) leaves those
    pairs out (read on their own): dropped here after the read, not by a NOT EXISTS in
    the query, whose estimate (about one row left) turned PostgreSQL's join to the
    subtree's people into a nested loop over every assessment (1.5 s at 6,500 people)."""
    dialect = db.session.get_bind().dialect.name
    day_number = _day_number(dialect)
    rank = source_rank()
    columns = [
        Assessment.id,
        Assessment.person_id,
        Assessment.competence_id,
        Assessment.level,
        rank,
        day_number,
    ]
    competence_id: sa.ColumnElement[int] = Assessment.competence_id
    if dialect == "sqlite" and len(days) == 1:
        # "+ 0" keeps SQLite off the competence index, so that it walks the (person,
        # competence, date) index in group order instead of sorting every row.
        competence_id = competence_id + 0
    stmt = sa.select(*columns).where(
        competence_id.in_(sorted(ids)), Assessment.assessed_on <= days[-1]
    )
    if len(days) == 1:
        # A formal assessment stops counting when its credential expires.
        stmt = stmt.where(_counts_on(days[0]))
    stmt, keep = _of_subtree_people(stmt, unit, person_ids, dialect)
    stmt = _latest_per_bucket(stmt, days, dialect, day_number, rank)
    values = _integer_rows(stmt)
    if without is not None and len(without) and len(values):
        values = values[~np.isin(_pair_keys(values[:, 1], values[:, 2]), _pair_keys(*without.T))]
    return assessment_frame(values, ids, keep)


def _pair_keys(person_ids: np.ndarray, competence_ids: np.ndarray) -> np.ndarray:
    """One integer per (person id, competence id) pair (both ids below 2**31)."""
    return person_ids.astype(np.int64) * 2**31 + competence_ids.astype(np.int64)


def assessment_frame(
    values: np.ndarray, ids: dict[int, str], keep: set[int] | None
) -> pd.DataFrame:
    """``ASSESSMENT_COLUMNS`` from integer rows (id, person, competence id, level, source
    rank, day number), only the people of ``keep`` when given."""
    if keep is not None:
        values = values[np.isin(values[:, 1], np.fromiter(keep, dtype=np.int64))]
    code_of = pd.Series(ids)
    return pd.DataFrame(
        {
            "id": values[:, 0],
            "person_id": values[:, 1],
            "competence": code_of.reindex(values[:, 2]).to_numpy(dtype=object),
            "level": values[:, 3],
            "source": SOURCES_BY_RANK[values[:, 4]],
            "assessed_on": pd.to_datetime(values[:, 5], unit="D"),
        }
    )


def _counts_on(day: dt.date) -> sa.ColumnElement[bool]:
    """``Assessment.counts_on(day)`` (no credential, or one not expired by ``day``) as
    NOT IN: the same rows, but PostgreSQL costs a correlated EXISTS under OR as if it
    ran once per row, and a cost that high starts its JIT compiler (about half a
    second per query, more than the query itself)."""
    lapsed = sa.select(FormalCredential.id).where(FormalCredential.expires_on <= day)
    return sa.or_(Assessment.credential_id.is_(None), Assessment.credential_id.not_in(lapsed))


def lapsing_pairs(day: dt.date) -> sa.Select[Any]:
    """(person, competence) with an assessment whose credential expires on or before
    ``day``: only such pairs can count differently at two dates. Not correlated: the
    subtree's people are joined to these few pairs, not to every assessment (as a
    correlated EXISTS had PostgreSQL do)."""
    return (
        sa.select(Assessment.person_id, Assessment.competence_id)
        .join(FormalCredential, FormalCredential.id == Assessment.credential_id)
        .where(FormalCredential.expires_on <= day)
        .correlate(None)
    )


def _with_lapsing(
    unit: OrgUnit, ids: dict[int, str], days: list[dt.date], person_ids: Sequence[int] | None
) -> pd.DataFrame:
    """``subtree_assessments_at_dates`` when a credential expires in the period: what
    counts may differ between the dates, but only for the (person, competence) pairs
    with such a credential. The other pairs are read as without expiry (one read
    reduced per date bucket); those few pairs are read whole, with their credentials'
    expiry, each date's latest counting assessment picked here, and made consistent
    across the dates (``consistent_across_dates``)."""
    dialect = db.session.get_bind().dialect.name
    # The subtree's people limit the pairs (``keep``: the rows, after the read).
    pairs, keep = _of_subtree_people(lapsing_pairs(days[-1]), unit, person_ids, dialect)
    lapsing = sa.tuple_(Assessment.person_id, Assessment.competence_id).in_(pairs)
    stmt = (
        sa.select(
            Assessment.id,
            Assessment.person_id,
            Assessment.competence_id,
            Assessment.level,
            source_rank(),
            _day_number(dialect),
            sa.func.coalesce(_expiry_day(dialect), NEVER),
        )
        .outerjoin(FormalCredential, FormalCredential.id == Assessment.credential_id)
        .where(
            Assessment.competence_id.in_(sorted(ids)),
            Assessment.assessed_on <= days[-1],
            lapsing,
        )
    )
    values = _integer_rows(stmt)
    if keep is not None:
        values = values[np.isin(values[:, 1], np.fromiter(keep, dtype=np.int64))]
    # Every other pair with a row up to the last date (these pairs have all theirs here).
    others = _latest_rows(unit, ids, days, person_ids, without=values[:, 1:3])
    # In pick order: by pair, then date, source rank and id (the last row is the pick).
    values = values[
        np.lexsort((values[:, 0], values[:, 4], values[:, 5], values[:, 2], values[:, 1]))
    ]
    numbers = [(day - EPOCH).days for day in days]
    out: list[tuple[int, ...]] = []
    rows = [tuple(int(v) for v in row) for row in values.tolist()]
    for _pair, group in itertools.groupby(rows, key=lambda row: (row[1], row[2])):
        out += _consistent_pair(list(group), numbers)
    lapsed = assessment_frame(np.array(out, dtype=np.int64).reshape(len(out), 6), ids, None)
    return pd.concat([others, lapsed], ignore_index=True)[ASSESSMENT_COLUMNS]


def _consistent_pair(rows: list[tuple[int, ...]], days: list[int]) -> list[tuple[int, ...]]:
    """``consistent_across_dates`` for one pair's rows (id, person, competence, level,
    source rank, day number, expiry day number; in pick order) at the day numbers
    ``days`` (ascending): each day's latest counting row, and where the rows kept so
    far would pick another at that day, a row dated that day that gives its own pick
    (level 0 when nothing counts any more). Rows of six columns, no expiry."""
    kept: dict[tuple[int, int, int], tuple[int, ...]] = {}  # (day, rank, id) -> row
    for index, day in enumerate(days):
        own = None
        for row in rows:
            if row[5] <= day and (row[6] == NEVER or row[6] > day):
                own = row[:6]
        seen = [key for key in kept if key[0] <= day]
        pick = kept[max(seen)] if seen else None
        if own is not None:
            kept[(own[5], own[4], own[0])] = own
        if index == 0 or (pick is None and own is None):
            continue
        if pick is None or own is None or pick[0] != own[0] or pick[3] != own[3]:
            fix = (
                (own[0], own[1], own[2], own[3], own[4], day)
                if own is not None
                else (0, pick[1], pick[2], 0, pick[4], day)  # type: ignore[index]
            )
            kept[(day, fix[4], fix[0])] = fix
    return list(kept.values())


def _expiry_day(dialect: str) -> sa.ColumnElement[int]:
    """The credential's expiry as days since 1970-01-01 (null when it never expires)."""
    if dialect == "postgresql":
        return sa.type_coerce(
            FormalCredential.expires_on - sa.cast(sa.literal(EPOCH.isoformat()), sa.Date),
            sa.Integer,
        )
    return sa.cast(sa.func.julianday(FormalCredential.expires_on), sa.Integer) - 2440587


def _expiry_before(competence_ids: Sequence[int], day: dt.date) -> bool:
    """Whether a credential evidencing any of these competences expires on or before
    ``day`` (then what counts may differ between dates)."""
    return (
        db.session.scalar(
            sa.select(FormalCredential.id)
            .join(CredentialCompetence, CredentialCompetence.credential_id == FormalCredential.id)
            .where(
                FormalCredential.expires_on <= day,
                CredentialCompetence.competence_id.in_(competence_ids),
            )
            .limit(1)
        )
        is not None
    )


def _of_subtree_people(
    stmt: sa.Select[Any], unit: OrgUnit, person_ids: Sequence[int] | None, dialect: str
) -> tuple[sa.Select[Any], set[int] | None]:
    """The assessment query limited to the subtree's active people: in SQLite by id
    when they are known and few, by a join when unknown (beyond ``MAX_ID_LIST`` ids the
    query is left whole and the ids to keep are handed back, filtered after the read);
    in PostgreSQL always by the subtree's people as a subquery (a semi-join)."""
    if dialect == "postgresql":
        return stmt.where(Assessment.person_id.in_(subtree_people_stmt(unit))), None
    if person_ids is not None and len(person_ids) <= MAX_ID_LIST:
        return stmt.where(Assessment.person_id.in_(sorted({int(p) for p in person_ids}))), None
    if person_ids is not None:
        return stmt, {int(p) for p in person_ids}
    subtree = (
        stmt.join(Person, Person.id == Assessment.person_id)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
    )
    return subtree, None


def _latest_per_bucket(
    stmt: sa.Select[Any],
    days: list[dt.date],
    dialect: str,
    day_number: sa.ColumnElement[int],
    rank: sa.ColumnElement[int],
) -> sa.Select[Any]:
    """Only the last assessment per (person, competence, date bucket)."""
    group: tuple[sa.ColumnElement[Any], ...] = (Assessment.person_id, Assessment.competence_id)
    if len(days) > 1:
        group = (*group, sa.case(*[(Assessment.assessed_on <= d, i) for i, d in enumerate(days)]))
    if dialect == "postgresql":
        return stmt.distinct(*group).order_by(
            *group, Assessment.assessed_on.desc(), rank.desc(), Assessment.id.desc()
        )
    # SQLite: in a query with a single max(), the other (bare) columns come from the
    # row holding the maximum; the key orders by date, then source rank, then id
    # (ids below 2**40). Several times quicker there than row_number() over a window.
    latest = sa.func.max((day_number * 4 + rank) * 2**40 + Assessment.id)
    return stmt.add_columns(latest).group_by(*group)


def _integer_rows(stmt: sa.Select[Any]) -> np.ndarray:
    """The rows of an all-integer query as a 2-D array."""
    # The DBAPI's rows are taken as they come (no result rows built).
    result = db.session.connection().execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    width = len(stmt.selected_columns)
    return np.fromiter(
        itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width
    ).reshape(len(rows), width)
