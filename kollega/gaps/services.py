"""Gap use cases: a unit's gap table now or at a future date, closure between two dates,
a person's own gaps, heatmaps and the gap by focus area.

Every figure comes from ``gaps.analysis`` on frames from ``gaps.queries``; this module
only checks permissions, picks the dates and shapes the answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import clock, permissions
from kollega.competence.models import FOCUS_AREAS
from kollega.errors import ValidationError
from kollega.gaps import analysis, queries
from kollega.org.models import OrgUnit, Person
from kollega.org.services import root_units

# The strategy's priority (Drammen's focus areas): these weigh more in suggestions.
PRIORITY_AREAS = ("digital", "privacy", "collaboration")
FOCUS_LABELS = {
    "digital": _l("Digital competence"),
    "privacy": _l("Privacy and information security"),
    "collaboration": _l("Collaboration and participation"),
    "leadership": _l("Leadership"),
}


def focus_label(area: str | None) -> str:
    """A focus area's name in the current language (an unknown one as it is)."""
    return str(FOCUS_LABELS.get(area or "", area or ""))


@dataclass
class GapTable:
    """A gap table for a unit's subtree: one row per competence."""

    unit: OrgUnit
    date: dt.date
    levels_on: dt.date
    rows: list[dict[str, Any]]
    total_gap_points: int
    people: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit.code,
            "date": self.date.isoformat(),
            "levels_on": self.levels_on.isoformat(),
            "people": self.people,
            "rows": self.rows,
            "total_gap_points": self.total_gap_points,
        }


@dataclass
class Heatmap:
    """Groups (sub-units or people) by competences; each cell has the gap figures."""

    unit: OrgUnit
    date: dt.date
    levels_on: dt.date
    by: str
    groups: list[dict[str, Any]]
    competences: list[dict[str, Any]]
    cells: dict[tuple[Any, str], dict[str, Any]] = field(default_factory=dict)
    max_gap_points: int = 0

    def cell(self, group: Any, competence: str) -> dict[str, Any] | None:
        return self.cells.get((group, competence))


def _levels_date(at: dt.date, now: dt.date) -> dt.date:
    """A future date's gap uses today's levels (DESIGN.md: future gap at T)."""
    return min(at, now)


def _competence_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    info = queries.competence_info(table["competence"].tolist()).set_index("competence")
    rows = []
    for r in table.itertuples(index=False):
        meta = info.loc[r.competence] if r.competence in info.index else None
        rows.append(
            {
                "competence": r.competence,
                "name": competence_name(meta, r.competence),
                "focus_area": None if meta is None else meta["focus_area"],
                "people_required": int(r.people_required),
                "people_with_gap": int(r.people_with_gap),
                "gap_points": int(r.gap_points),
                "coverage": float(r.coverage),
            }
        )
    return rows


def competence_name(meta: Any, code: str) -> str:
    """The competence's name in the current language (its code when ``meta`` is None)."""
    if meta is None:
        return code
    return str(meta["name_en"] if _locale() == "en" else meta["name_nb"])


def _gap_frame(frames: queries.Frames, at: dt.date, levels_on: dt.date) -> pd.DataFrame:
    return frames.gap_at(at, levels_on)


def check_unit(actor: Person, unit: OrgUnit) -> None:
    permissions.require(
        permissions.can_view_unit_gaps(actor, unit),
        _l("Only the unit's leaders and HR see its gaps."),
    )


def unit_gap_table(
    actor: Person,
    unit: OrgUnit,
    at: dt.date | None = None,
    competence: str | None = None,
    now: dt.date | None = None,
) -> GapTable:
    """The gap table of the unit's subtree at ``at`` (default today). A future date
    gives the future gap: the requirements in force then against today's levels."""
    check_unit(actor, unit)
    now = now or clock.today()
    at = at or now
    levels_on = _levels_date(at, now)
    frames = queries.unit_frames(unit, [at], [levels_on], competence)
    table = analysis.gap_table(_gap_frame(frames, at, levels_on))
    return GapTable(
        unit=unit,
        date=at,
        levels_on=levels_on,
        rows=_competence_rows(table),
        total_gap_points=int(table["gap_points"].sum()),
        people=len(frames.people),
    )


def unit_closure(
    actor: Person, unit: OrgUnit, start: dt.date, end: dt.date, now: dt.date | None = None
) -> dict[str, Any]:
    """Gap closure of the unit's subtree from ``start`` to ``end``, new gap apart."""
    check_unit(actor, unit)
    if end < start:
        raise ValidationError(
            _l("The end date must not be before the start date."),
            fields={"to": _l("Must not be before the start date.")},
        )
    now = now or clock.today()
    # Shared: the page's views at the end date (a table, heatmap, focus areas) need no
    # read of their own.
    frames = queries.unit_frames(unit, [start, end], [min(start, now), min(end, now)], share=True)
    # Levels are read at most up to today: a future end date uses today's levels.
    out = frames.closure(start, end)
    return {
        "unit": unit.code,
        "from": start.isoformat(),
        "to": end.isoformat(),
        **out,
    }


def person_gaps(
    actor: Person, person: Person, at: dt.date | None = None, now: dt.date | None = None
) -> list[dict[str, Any]]:
    """A person's competences with a requirement at ``at``: required level, current
    level, gap, focus area; the largest gaps first."""
    permissions.require(
        permissions.can_view_competence(actor, person),
        _l("Only the person, their leaders and HR see their competence."),
    )
    return person_gap_rows(person, at, now)


def person_gap_rows(
    person: Person, at: dt.date | None = None, now: dt.date | None = None
) -> list[dict[str, Any]]:
    """``person_gaps`` without the permission check, for callers that have checked."""
    now = now or clock.today()
    return person_gap_rows_at(person, [at or now], now)[0]


def person_gap_rows_at(
    person: Person, dates: list[dt.date], now: dt.date | None = None
) -> list[list[dict[str, Any]]]:
    """The person's gap rows at each date (read from the database once)."""
    now = now or clock.today()
    level_dates = sorted({_levels_date(d, now) for d in dates})
    frames = queries.person_frames(person, list(dates), level_dates)
    gap_frames = [_gap_frame(frames, d, _levels_date(d, now)) for d in dates]
    codes = sorted({c for g in gap_frames for c in g["competence"]})
    info = {r.competence: r for r in queries.competence_info(codes).itertuples(index=False)}
    locale = _locale()
    out = []
    for d, g in zip(dates, gap_frames, strict=True):
        since = analysis.required_since(frames.people, frames.ancestors, frames.requirements, d)
        rows = []
        for r in g.itertuples(index=False):
            meta = info.get(r.competence)
            rows.append(
                {
                    "competence": r.competence,
                    "name": r.competence
                    if meta is None
                    else (meta.name_en if locale == "en" else meta.name_nb),
                    "focus_area": None if meta is None else meta.focus_area,
                    "required_level": int(r.required),
                    "level": int(r.level),
                    "gap": int(r.gap),
                    "required_from": _iso(since.get((int(person.id), str(r.competence)))),
                }
            )
        rows.sort(key=lambda row: (-row["gap"], row["competence"]))
        out.append(rows)
    return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _locale() -> str:
    return str(get_locale() or "nb")


def heatmap(
    actor: Person,
    unit: OrgUnit,
    at: dt.date | None = None,
    by: str = "units",
    now: dt.date | None = None,
    limit: int = 40,
) -> Heatmap:
    """Sub-units (``by="units"``) or people (``by="people"``) of the unit against the
    competences with requirements, the largest total gap first (at most ``limit``)."""
    check_unit(actor, unit)
    if by not in ("units", "people"):
        raise ValidationError(_l("Choose sub-units or people."), fields={"by": _l("Unknown.")})
    now = now or clock.today()
    at = at or now
    levels_on = _levels_date(at, now)
    frames = queries.unit_frames(unit, [at], [levels_on])
    g = _gap_frame(frames, at, levels_on)
    if by == "units":
        groups, group_rows = _sub_unit_groups(unit, frames)
    else:
        groups, group_rows = _person_groups(frames, g)
    cells = analysis.heatmap(g, groups)
    competences = _heatmap_competences(cells, limit)
    out = _heatmap_cells(cells, [c["competence"] for c in competences])
    if by == "people":
        with_rows = {g for g, _c in out}
        group_rows = [r for r in group_rows if r["id"] in with_rows]
    return Heatmap(
        unit=unit,
        date=at,
        levels_on=levels_on,
        by=by,
        groups=group_rows,
        competences=competences,
        cells=out,
        max_gap_points=max((c["gap_points"] for c in out.values()), default=0),
    )


def _sub_unit_groups(
    unit: OrgUnit, frames: queries.Frames
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Each person's group is the child unit they sit under (or the unit itself); the rows
    are the groups with people, in the units' order."""
    groups, units = queries.sub_unit_groups(unit, frames.people)
    present = set(groups["group"].tolist())
    rows = [
        {"id": u.id, "code": u.code, "name": u.name, "drill": u.id != unit.id}
        for u in units
        if u.id in present
    ]
    return groups, rows


def _person_groups(
    frames: queries.Frames, g: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Each person is a group of their own; the rows are by name."""
    groups = frames.people[["person_id"]].assign(group=frames.people["person_id"])
    names = queries.person_names(g["person_id"].unique().tolist())
    rows = sorted(
        ({"id": pid, "name": name, "drill": False} for pid, name in names.items()),
        key=lambda r: r["name"],
    )
    return groups, rows


def _heatmap_competences(cells: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """The heatmap's columns: the ``limit`` competences with the largest total gap."""
    totals = (
        cells.groupby("competence")["gap_points"].sum().sort_values(ascending=False, kind="stable")
        if not cells.empty
        else pd.Series(dtype="int64")
    )
    codes = [str(c) for c in totals.index[:limit]]
    info = queries.competence_info(codes).set_index("competence")
    return [
        {
            "competence": c,
            "name": competence_name(info.loc[c] if c in info.index else None, c),
            "focus_area": info.loc[c]["focus_area"] if c in info.index else None,
            "gap_points": int(totals[c]),
        }
        for c in codes
    ]


def _heatmap_cells(cells: pd.DataFrame, codes: list[str]) -> dict[tuple[Any, str], dict[str, Any]]:
    """The figures of each (group, competence) cell shown."""
    out: dict[tuple[Any, str], dict[str, Any]] = {}
    shown = cells.loc[cells["competence"].isin(codes)] if not cells.empty else cells
    # Column by column: itertuples() builds a named tuple and boxes every value per cell.
    for group, code, required, with_gap, points, coverage in zip(
        shown["group"].tolist(),
        shown["competence"].tolist(),
        shown["people_required"].tolist(),
        shown["people_with_gap"].tolist(),
        shown["gap_points"].tolist(),
        shown["coverage"].tolist(),
        strict=True,
    ):
        out[(int(group), str(code))] = {
            "people_required": int(required),
            "people_with_gap": int(with_gap),
            "gap_points": int(points),
            "coverage": float(coverage),
        }
    return out


def focus_area_table(
    actor: Person, unit: OrgUnit, at: dt.date | None = None, now: dt.date | None = None
) -> list[dict[str, Any]]:
    """The gap of the unit's subtree by focus area (digital, privacy, collaboration,
    leadership), every area present even when nothing is required in it."""
    check_unit(actor, unit)
    now = now or clock.today()
    at = at or now
    levels_on = _levels_date(at, now)
    frames = queries.unit_frames(unit, [at], [levels_on])
    g = _gap_frame(frames, at, levels_on)
    areas = queries.competence_info(g["competence"].unique().tolist())[["competence", "focus_area"]]
    table = analysis.group_table(g, areas.rename(columns={"focus_area": "group"}))
    by_area = {r.group: r for r in table.itertuples(index=False)}
    rows = []
    for area in FOCUS_AREAS:
        r = by_area.get(area)
        rows.append(
            {
                "focus_area": area,
                "people_required": int(r.people_required) if r else 0,
                "people_with_gap": int(r.people_with_gap) if r else 0,
                "gap_points": int(r.gap_points) if r else 0,
                "pairs": int(r.pairs) if r else 0,
                "coverage": float(r.coverage) if r else None,
            }
        )
    return rows


def default_unit(actor: Person) -> OrgUnit | None:
    """The unit a gap page opens on: the first unit the actor leads, for HR the root."""
    if actor.led_units:
        return actor.led_units[0]
    if permissions.is_hr(actor):
        roots = root_units()
        return roots[0] if roots else None
    return None
