"""Builds the frames ``gaps/analysis.py`` works on, straight from the database.

A group is a unit's subtree with its active people as they are now, or one person.
Assessment history is where the rows are many, so the database reduces it first: for
each date asked about, only the latest assessment per (person, competence) on or before
that date is read (a window function; the same-day order leader > formal > self is
applied there too), and only for competences that some applying requirement names.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask import g, has_request_context

from kollega import clock
from kollega.competence.models import (
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
    Requirement,
)
from kollega.extensions import db
from kollega.gaps import kept
from kollega.gaps.frames import Frames
from kollega.org.models import OrgUnit, Person

PEOPLE_COLUMNS = ["person_id", "unit_id", "job_code"]
ANCESTOR_COLUMNS = ["unit_id", "ancestor_id"]
REQUIREMENT_COLUMNS = [
    "scope_type",
    "unit_id",
    "job_code",
    "competence",
    "level",
    "effective_from",
    "effective_until",
]
ASSESSMENT_COLUMNS = ["id", "person_id", "competence", "level", "source", "assessed_on"]
PAIR = ["person_id", "competence"]


def _frame(rows: Iterable[Sequence[object]], columns: list[str]) -> pd.DataFrame:
    return _columns_frame(list(rows), columns)


def subtree_people_stmt(unit: OrgUnit) -> sa.Select[tuple[int]]:
    """Ids of the active people in the unit's subtree."""
    return (
        sa.select(Person.id)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
    )


def people_frame(
    person_ids: sa.Select[tuple[int]] | None = None,
    *,
    person: Person | None = None,
    unit: OrgUnit | None = None,
) -> pd.DataFrame:
    """person_id, unit_id, job_code of one person, the active people of a unit's
    subtree, or the people of ``person_ids``."""
    stmt = sa.select(Person.id, Person.unit_id, Person.job_code)
    if person is not None:
        stmt = stmt.where(Person.id == person.id)
    elif unit is not None:
        # A join: SQLite plans it far better than IN (subquery).
        stmt = stmt.join(OrgUnit, Person.unit_id == OrgUnit.id).where(
            OrgUnit.path.startswith(unit.path), Person.active.is_(True)
        )
    elif person_ids is not None:
        stmt = stmt.where(Person.id.in_(person_ids))
    # A Core read: plain rows, no ORM result machinery (50,000 rows for a municipality).
    frame = _frame(db.session.connection().execute(stmt).all(), PEOPLE_COLUMNS)
    frame = frame.dropna(subset=["unit_id"]) if person is None else frame
    return frame.astype({"person_id": "int64"})


# Beyond this many units, the unit tree (a few hundred rows) is read whole and filtered
# here: a list of hundreds of ids costs more to build, send and parse than those rows.
MAX_UNIT_LIST = 64


def _unit_paths(ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, path) of the units ``ids``."""
    stmt = sa.select(OrgUnit.id, OrgUnit.path)
    if len(ids) <= MAX_UNIT_LIST:
        return [(i, p) for i, p in db.session.execute(stmt.where(OrgUnit.id.in_(ids)))]
    wanted = set(ids)
    return [(i, p) for i, p in db.session.execute(stmt) if i in wanted]


def ancestors_frame(unit_ids: Iterable[int]) -> pd.DataFrame:
    """unit_id, ancestor_id for the given units, from their materialised paths."""
    # Distinct first: a unit's people share its id (pd.isna once per unit, not per person).
    ids = sorted({int(u) for u in set(unit_ids) if u is not None and not pd.isna(u)})
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in ANCESTOR_COLUMNS})
    rows = []
    for unit_id, path in _unit_paths(ids):
        for part in path.strip("/").split("/"):
            if part:
                rows.append((unit_id, int(part)))
    return _frame(rows, ANCESTOR_COLUMNS).astype("int64")


def requirements_frame(
    ancestor_ids: Iterable[int],
    job_codes: Iterable[str],
    competence: str | None = None,
    dates: Sequence[dt.date] = (),
) -> pd.DataFrame:
    """Requirements that can apply to the group: on one of its units' ancestors or one
    of its job codes, in force at some date in ``dates`` when dates are given."""
    unit_ids = sorted({int(a) for a in set(ancestor_ids)})
    jobs = sorted({j for j in set(job_codes) if isinstance(j, str) and j})
    # Many units: every unit's requirements are read, those of other units dropped here.
    many = len(unit_ids) > MAX_UNIT_LIST
    scope = []
    if unit_ids:
        of_units = sa.true() if many else Requirement.unit_id.in_(unit_ids)
        scope.append(sa.and_(Requirement.scope_type == "unit", of_units))
    if jobs:
        scope.append(sa.and_(Requirement.scope_type == "job", Requirement.job_code.in_(jobs)))
    if not scope:
        return _frame([], REQUIREMENT_COLUMNS)
    stmt = (
        sa.select(
            Requirement.scope_type,
            Requirement.unit_id,
            Requirement.job_code,
            Competence.code,
            Requirement.level,
            Requirement.effective_from,
            Requirement.effective_until,
        )
        .join(Competence, Requirement.competence_id == Competence.id)
        .where(sa.or_(*scope))
    )
    if competence:
        stmt = stmt.where(Competence.code == competence)
    if dates:
        stmt = stmt.where(
            sa.or_(
                *[
                    sa.and_(
                        Requirement.effective_from <= d,
                        sa.or_(
                            Requirement.effective_until.is_(None), Requirement.effective_until > d
                        ),
                    )
                    for d in dates
                ]
            )
        )
    rows = list(db.session.execute(stmt))
    if many:
        wanted = set(unit_ids)
        rows = [r for r in rows if r[0] != "unit" or r[1] in wanted]
    frame = _frame(rows, REQUIREMENT_COLUMNS)
    for column in ("effective_from", "effective_until"):
        # Dates beyond pandas' range (an "until 9999-12-31") mean "never": NaT. An open
        # end is NaT already; a start that far away is never in force either way.
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _source_rank() -> sa.ColumnElement[int]:
    return sa.case((Assessment.source == "leader", 3), (Assessment.source == "formal", 2), else_=1)


def assessments_frame(
    person_ids: sa.Select[tuple[int]] | None,
    competences: Iterable[str],
    dates: Sequence[dt.date],
    *,
    person: Person | None = None,
) -> pd.DataFrame:
    """For each date, the latest assessment per (person, competence) on or before it,
    reduced in the database. The union over the dates gives ``analysis.current_levels``
    the same answer at each of those dates as the full history would."""
    codes = sorted(set(competences))
    if not codes or not dates:
        return _frame([], ASSESSMENT_COLUMNS)
    parts = []
    days = sorted(set(dates))
    for index, day in enumerate(days):
        ranked = (
            sa.select(
                Assessment.id,
                Assessment.person_id,
                Competence.code.label("competence"),
                Assessment.level,
                Assessment.source,
                Assessment.assessed_on,
                sa.func.row_number()
                .over(
                    partition_by=(Assessment.person_id, Assessment.competence_id),
                    order_by=(
                        Assessment.assessed_on.desc(),
                        _source_rank().desc(),
                        Assessment.id.desc(),
                    ),
                )
                .label("rn"),
            )
            .join(Competence, Assessment.competence_id == Competence.id)
            .where(
                Assessment.assessed_on <= day,
                Assessment.counts_on(day),
                Competence.code.in_(codes),
            )
        )
        if person is not None:
            ranked = ranked.where(Assessment.person_id == person.id)
        elif person_ids is not None:
            ranked = ranked.where(Assessment.person_id.in_(person_ids))
        sub = ranked.subquery()
        parts.append(
            sa.select(
                sub.c.id,
                sub.c.person_id,
                sub.c.competence,
                sub.c.level,
                sub.c.source,
                sub.c.assessed_on,
                sa.literal(index).label("day_index"),
            ).where(sub.c.rn == 1)
        )
    stmt = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    frame = _frame(db.session.execute(stmt), [*ASSESSMENT_COLUMNS, "day_index"])
    frame["assessed_on"] = pd.to_datetime(frame["assessed_on"])
    if len(days) == 1:
        return frame[ASSESSMENT_COLUMNS].reset_index(drop=True)
    return consistent_across_dates(
        [
            (day, frame.loc[frame["day_index"] == i, ASSESSMENT_COLUMNS])
            for i, day in enumerate(days)
        ]
    )


def consistent_across_dates(per_day: Sequence[tuple[dt.date, pd.DataFrame]]) -> pd.DataFrame:
    """One frame from the latest counting assessment per pair at each date, such that
    ``analysis.current_levels`` gives each date's own answer.

    Without expiry the union would do; but a formal assessment that counts at an early
    date may have expired by a later one, and in the union it would still look like the
    latest. Where the union's pick at a date is not that date's own, that date's row is
    added again dated the date itself (level 0 when nothing counts any more), which
    changes no earlier date's answer. ``per_day`` is in date order."""
    union = pd.DataFrame({c: pd.Series(dtype="object") for c in ASSESSMENT_COLUMNS})
    for day, own in per_day:
        own = own.assign(assessed_on=pd.to_datetime(own["assessed_on"]))
        if union.empty:
            union = own
            continue
        picked = _pick_at(union, day)
        both = picked.merge(own, on=PAIR, how="outer", suffixes=("_u", ""), indicator=True)
        wrong = both.loc[
            (both["_merge"] != "both")
            | (both["id_u"] != both["id"])
            | (both["level_u"] != both["level"])
        ]
        if wrong.empty:
            union = pd.concat([union, own], ignore_index=True)
            continue
        fixes = pd.DataFrame(
            {
                "id": wrong["id"].fillna(0).astype("int64"),
                "person_id": wrong["person_id"],
                "competence": wrong["competence"],
                "level": wrong["level"].fillna(0).astype("int64"),
                "source": wrong["source"].fillna(wrong["source_u"]),
                "assessed_on": pd.Timestamp(day),
            }
        )
        union = pd.concat([union, own, fixes], ignore_index=True)
    union = union.drop_duplicates(["id", "person_id", "competence", "assessed_on"])
    return union[ASSESSMENT_COLUMNS].reset_index(drop=True)


def _pick_at(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The row ``analysis.current_levels`` would take per pair at ``day`` (latest date,
    then leader > formal > self, then id)."""
    rows = frame.loc[pd.to_datetime(frame["assessed_on"]) <= pd.Timestamp(day)]
    rank = rows["source"].map({"self": 1, "formal": 2, "leader": 3}).fillna(0)
    rows = rows.assign(_rank=rank).sort_values([*PAIR, "assessed_on", "_rank", "id"])
    return rows.drop_duplicates(PAIR, keep="last")[[*PAIR, "id", "level", "source"]]


def _columns_frame(rows: Sequence[Sequence[object]], columns: list[str]) -> pd.DataFrame:
    """Rows to a frame column by column (far quicker than row objects one by one)."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True)))


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
        return _frame([], ASSESSMENT_COLUMNS)
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
    rank = _source_rank()
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
    return _assessment_frame(values, ids, keep)


def _pair_keys(person_ids: np.ndarray, competence_ids: np.ndarray) -> np.ndarray:
    """One integer per (person id, competence id) pair (both ids below 2**31)."""
    return person_ids.astype(np.int64) * 2**31 + competence_ids.astype(np.int64)


def _assessment_frame(
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


def _lapsing_pairs(day: dt.date) -> sa.Select[Any]:
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
    pairs, keep = _of_subtree_people(_lapsing_pairs(days[-1]), unit, person_ids, dialect)
    lapsing = sa.tuple_(Assessment.person_id, Assessment.competence_id).in_(pairs)
    stmt = (
        sa.select(
            Assessment.id,
            Assessment.person_id,
            Assessment.competence_id,
            Assessment.level,
            _source_rank(),
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
    lapsed = _assessment_frame(np.array(out, dtype=np.int64).reshape(len(out), 6), ids, None)
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


def frames_for_people(
    people: pd.DataFrame,
    person_ids: sa.Select[tuple[int]] | None,
    requirement_dates: Sequence[dt.date],
    level_dates: Sequence[dt.date],
    competence: str | None = None,
    person: Person | None = None,
) -> Frames:
    ancestors = ancestors_frame(people["unit_id"].tolist())
    requirements = requirements_frame(
        ancestors["ancestor_id"].tolist(),
        people["job_code"].dropna().tolist(),
        competence,
        requirement_dates,
    )
    assessments = assessments_frame(
        person_ids, requirements["competence"].unique().tolist(), level_dates, person=person
    )
    return Frames(people, ancestors, requirements, assessments)


def unit_frames(
    unit: OrgUnit,
    requirement_dates: Sequence[dt.date],
    level_dates: Sequence[dt.date],
    competence: str | None = None,
    *,
    share: bool = False,
) -> Frames:
    """Frames for the unit's subtree (its active people as they are now). Within one
    request the same frames are read once (a page shows several views of them).

    ``share``: these frames also answer the request's later calls at some of their
    dates (requirement and level dates each a subset): they hold every requirement in
    force at any of the dates, and assessments from which ``analysis.current_levels``
    gives each level date's own answer, so callers that pick by date (``gap_at``,
    ``closure``) get the figures of frames read for their dates alone. The gap page's
    closure shares its frames with the views at its end date: one read, not two; and
    shared frames are kept per process keyed on their inputs (``gaps.kept``), with the
    gaps and closure worked out from them, so the page's next view reads no assessment."""
    key = (unit.id, tuple(requirement_dates), tuple(level_dates), competence)
    cache = _request_cache()
    if cache is not None and key in cache:
        return cache[key]
    shared = _shared_frames(unit, requirement_dates, level_dates, competence)
    if shared is not None:
        return shared
    people = people_frame(unit=unit)
    ancestors = ancestors_frame(people["unit_id"].tolist())
    requirements = requirements_frame(
        ancestors["ancestor_id"].tolist(),
        people["job_code"].dropna().tolist(),
        competence,
        requirement_dates,
    )

    def read() -> Frames:
        competences = requirements["competence"].unique().tolist()
        ids = people["person_id"].tolist()
        assessments = subtree_assessments_at_dates(unit, competences, level_dates, ids)
        return Frames(people, ancestors, requirements, assessments)

    # The gap page's frames (``share``) are kept per process (``gaps.kept``).
    frames = (
        _KEPT.get_or_make(_kept_key(unit, key, people, ancestors, requirements), read)
        if share
        else read()
    )
    if cache is not None:
        cache[key] = frames
        if share:
            _shared_cache().append((key, frames))
    return frames


_KEPT: kept.Kept[Frames] = kept.Kept(kept.KEPT_FRAMES)


def _kept_key(unit: OrgUnit, key: tuple[Any, ...], *frames: pd.DataFrame) -> tuple[Any, ...]:
    version = kept.assessments_version(subtree_people_stmt(unit))
    return (*key, unit.path, clock.today(), kept.digest(*frames), version)


def _request_cache() -> dict[object, Frames] | None:
    if not has_request_context():
        return None
    if "gap_frames" not in g:
        g.gap_frames = {}
    return g.gap_frames  # type: ignore[no-any-return]


def _shared_cache() -> list[tuple[tuple[Any, ...], Frames]]:
    return g.setdefault("shared_gap_frames", [])  # type: ignore[no-any-return]


def _shared_frames(
    unit: OrgUnit,
    requirement_dates: Sequence[dt.date],
    level_dates: Sequence[dt.date],
    competence: str | None,
) -> Frames | None:
    """Frames of this request read with ``share`` for the same unit and competence at
    dates that include these."""
    if not has_request_context():
        return None
    for (
        unit_id,
        their_requirement_dates,
        their_level_dates,
        their_competence,
    ), frames in _shared_cache():
        if (
            unit_id == unit.id
            and their_competence == competence
            and set(requirement_dates) <= set(their_requirement_dates)
            and set(level_dates) <= set(their_level_dates)
        ):
            return frames
    return None


def person_frames(
    person: Person, requirement_dates: Sequence[dt.date], level_dates: Sequence[dt.date]
) -> Frames:
    people = people_frame(person=person)
    return frames_for_people(people, None, requirement_dates, level_dates, person=person)


def competence_info(codes: Iterable[str] | None = None) -> pd.DataFrame:
    """competence, focus_area, name_nb, name_en for the given codes (all when None)."""
    stmt = sa.select(Competence.code, Competence.focus_area, Competence.name_nb, Competence.name_en)
    if codes is not None:
        codes = sorted(set(codes))
        if not codes:
            return _frame([], ["competence", "focus_area", "name_nb", "name_en"])
        stmt = stmt.where(Competence.code.in_(codes))
    return _frame(db.session.execute(stmt), ["competence", "focus_area", "name_nb", "name_en"])


def sub_unit_groups(unit: OrgUnit, people: pd.DataFrame) -> tuple[pd.DataFrame, list[OrgUnit]]:
    """person_id, group (a direct sub-unit's id, or the unit's own id for people placed
    directly in it), and the units in display order."""
    children = list(
        db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name)
        )
    )
    if people.empty:
        return pd.DataFrame({"person_id": [], "group": []}), [unit, *children]
    paths = dict(_unit_paths(sorted(people["unit_id"].dropna().astype("int64").unique().tolist())))
    depth = len(unit.ancestor_ids())

    def group_of(unit_id: int) -> int:
        parts = [int(p) for p in paths[int(unit_id)].strip("/").split("/") if p]
        return parts[depth] if len(parts) > depth else unit.id

    # Once per unit, not per person.
    group_by_unit = {unit_id: group_of(unit_id) for unit_id in paths}
    groups = people[["person_id"]].assign(
        group=people["unit_id"].astype("int64").map(group_by_unit).astype("int64")
    )
    return groups, [unit, *children]


def person_names(person_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({int(p) for p in person_ids})
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Person.id, Person.name).where(Person.id.in_(ids))).all()
    )
