"""Builds the frames ``gaps/analysis.py`` works on, straight from the database.

A group is a unit's subtree with its active people as they are now, or one person.
Assessment history is where the rows are many, so the database reduces it first: for
each date asked about, only the latest assessment per (person, competence) on or before
that date is read (a window function; the same-day order leader > formal > self is
applied there too), and only for competences that some applying requirement names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import g, has_request_context

from kollega import clock
from kollega.competence.models import (
    Assessment,
    Competence,
    Requirement,
)
from kollega.extensions import db
from kollega.gaps import kept, kept_reads
from kollega.gaps.assessment_reads import (
    ASSESSMENT_COLUMNS,
    source_rank,
    subtree_assessments_at_dates,
    subtree_people_stmt,
)
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
PAIR = ["person_id", "competence"]


def _frame(rows: Iterable[Sequence[object]], columns: list[str]) -> pd.DataFrame:
    return _columns_frame(list(rows), columns)


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
                        source_rank().desc(),
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

    competences = requirements["competence"].unique().tolist()
    ids = people["person_id"].tolist()
    if share:
        # The gap page's frames are kept per process (``gaps.kept``), their assessments
        # too, brought up to date by what was added since (``gaps.kept_reads``).
        version = kept.assessments_version(subtree_people_stmt(unit))

        def read_kept() -> Frames:
            assessments = kept_reads.assessments_at_dates(
                unit, competences, level_dates, ids, version
            )
            return Frames(people, ancestors, requirements, assessments)

        kept_key = (*key, unit.path, clock.today(), kept.digest(people, ancestors, requirements))
        frames = _KEPT.get_or_make((*kept_key, version), read_kept)
    else:
        assessments = subtree_assessments_at_dates(unit, competences, level_dates, ids)
        frames = Frames(people, ancestors, requirements, assessments)
    if cache is not None:
        cache[key] = frames
        if share:
            _shared_cache().append((key, frames))
    return frames


_KEPT: kept.Kept[Frames] = kept.Kept(kept.KEPT_FRAMES)


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
