"""Use cases of the strategic competence plan: create plans and walk KS's seven steps,
the staffing analysis from the register, measures with their expected effect, the
projected competence gap at the target date, scenarios side by side and follow-up.

Figures come from ``plans.analysis`` (staffing) and ``gaps.analysis`` (competence gap)
on frames read here and in ``gaps.queries``. Functions check permissions, flush and
never commit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.clock import today
from kollega.competence.models import Assessment, Competence, Framework, Requirement
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.gaps import analysis as gap_analysis
from kollega.gaps import queries as gap_queries
from kollega.networks.models import Network
from kollega.org.models import OrgUnit, Person
from kollega.plans import analysis
from kollega.plans.models import (
    MEASURE_KINDS,
    MEASURE_STATUSES,
    PLAN_STATUSES,
    STEP_KEYS,
    STEP_STATUSES,
    DemandDriver,
    Measure,
    MeasureEffect,
    Plan,
    PlanStep,
    Scenario,
    StaffingRatio,
)
from kollega.training.models import Training

MAX_YEARS = 20
TITLE_MAX = 200


def _invalid(field_name: str, message: Any) -> ValidationError:
    return ValidationError(message, fields={field_name: message})


# --- plans and steps -------------------------------------------------------------------


def get_plan(actor: Person, plan_id: int) -> Plan:
    """The plan, if the actor may read it (404 when missing, 403 when not allowed)."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(_l("No such plan."))
    permissions.require(
        permissions.can_view_plan(actor, plan),
        _l("Only the unit's leaders and HR see this plan, and employees once it is shared."),
    )
    return plan


def visible_plans(actor: Person) -> list[Plan]:
    """Every plan the actor may read, newest period first."""
    plans = db.session.scalars(
        sa.select(Plan).order_by(Plan.period_from.desc(), Plan.id.desc())
    ).all()
    return [p for p in plans if permissions.can_view_plan(actor, p)]


def check_period(period_from: dt.date | None, period_to: dt.date | None) -> None:
    """Refuse a missing, reversed or too long period (at most ``MAX_YEARS``)."""
    if period_from is None:
        raise _invalid("period_from", _l("Give the first day of the period."))
    if period_to is None:
        raise _invalid("period_to", _l("Give the last day of the period."))
    if period_to <= period_from:
        raise _invalid("period_to", _l("The period must end after it starts."))
    if period_to.year - period_from.year >= MAX_YEARS:
        raise _invalid("period_to", _l("A plan covers at most %(n)d years.", n=MAX_YEARS))


def _title(title: str) -> str:
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        raise _invalid("title", _l("Give the plan a title."))
    if len(title) > TITLE_MAX:
        raise _invalid("title", _l("At most %(n)d characters.", n=TITLE_MAX))
    return title


def create_plan(
    actor: Person, unit: OrgUnit, title: str, period_from: dt.date, period_to: dt.date
) -> Plan:
    """A new plan for the unit's subtree with KS's seven steps, not started."""
    permissions.require(
        permissions.can_create_plan(actor, unit),
        _l("Leaders plan for the units they lead, HR for all."),
    )
    clean = _title(title)
    check_period(period_from, period_to)
    plan = Plan(
        unit=unit,
        title=clean,
        period_from=period_from,
        period_to=period_to,
        status="draft",
        retirement_age=67,
        turnover=0.08,
        shared=False,
        created_by=actor,
    )
    plan.steps = [
        PlanStep(number=i, key=key, status="not_started", notes="", details={})
        for i, key in enumerate(STEP_KEYS, start=1)
    ]
    db.session.add(plan)
    db.session.flush()
    return plan


def _manage(actor: Person, plan: Plan) -> None:
    permissions.require(
        permissions.can_manage_plan(actor, plan),
        _l("Only the unit's leaders and HR change this plan."),
    )


def update_plan(
    actor: Person,
    plan: Plan,
    *,
    title: str | None = None,
    status: str | None = None,
    retirement_age: int | None = None,
    turnover: float | None = None,
    shared: bool | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> Plan:
    """Change the plan's title, status, base assumptions, period or sharing."""
    _manage(actor, plan)
    if title is not None:
        plan.title = _title(title)
    if status is not None:
        if status not in PLAN_STATUSES:
            raise _invalid("status", _l("Unknown status."))
        plan.status = status
    if retirement_age is not None:
        plan.retirement_age = check_retirement_age(retirement_age)
    if turnover is not None:
        plan.turnover = check_turnover(turnover)
    if period_from is not None or period_to is not None:
        start, end = period_from or plan.period_from, period_to or plan.period_to
        check_period(start, end)
        plan.period_from, plan.period_to = start, end
    if shared is not None:
        plan.shared = bool(shared)
    db.session.flush()
    return plan


def check_retirement_age(age: int) -> int:
    """The retirement age, if it is from 55 to 75."""
    if not 55 <= age <= 75:
        raise _invalid("retirement_age", _l("The retirement age must be between 55 and 75."))
    return int(age)


def check_turnover(turnover: float) -> float:
    """The yearly turnover, if it is a share from 0 up to (not including) 1."""
    if not 0 <= turnover < 1:
        raise _invalid("turnover", _l("Turnover is a share from 0 up to (not including) 1."))
    return float(turnover)


def owner_candidates(plan: Plan) -> list[str]:
    """The picker's labels (``owner_label``) of the people who may own a step or a
    measure: the active people of the plan unit's subtree, by name. Plain rows, no ORM
    objects: a municipality's plan lists thousands."""
    stmt = (
        sa.select(Person.name, Person.employee_no)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(plan.unit.path), Person.active.is_(True))
        .order_by(Person.name, Person.employee_no)
    )
    return [f"{name} ({number})" if number else name for name, number in db.session.execute(stmt)]


def owner_from_label(plan: Plan, label: str) -> int | None:
    """The id of the person in the plan's unit named by the picker's text: ``Name
    (employee no.)`` as the list offers it, or a name that only one person there has.
    None when empty; refused (field ``owner_id``) when nobody or several match."""
    text = (label or "").strip()
    if not text:
        return None
    inside = (
        sa.select(Person.id, Person.name, Person.employee_no)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(plan.unit.path), Person.active.is_(True))
    )
    number = re.search(r"\(([^()]+)\)\s*$", text)
    if number:
        found = db.session.execute(
            inside.where(Person.employee_no == number.group(1).strip())
        ).all()
    else:
        found = db.session.execute(
            inside.where(sa.func.lower(Person.name) == text.lower()).limit(2)
        ).all()
    if len(found) > 1:
        raise _invalid("owner_id", _l("Several people have this name: choose one from the list."))
    if not found:
        raise _invalid("owner_id", _l("Choose someone in the plan's unit."))
    return int(found[0].id)


def _owner(plan: Plan, owner_id: int | None, field_name: str = "owner_id") -> Person | None:
    if owner_id is None:
        return None
    person = db.session.get(Person, owner_id)
    if (
        person is None
        or person.unit is None
        or not person.active
        or not person.unit.path.startswith(plan.unit.path)
    ):
        raise _invalid(field_name, _l("Choose someone in the plan's unit."))
    return person


def update_step(
    actor: Person,
    plan: Plan,
    number: int,
    *,
    status: str,
    notes: str = "",
    owner_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> PlanStep:
    """Set a step's status, notes, owner and details (a flat mapping of short texts)."""
    _manage(actor, plan)
    step = next((s for s in plan.steps if s.number == number), None)
    if step is None:
        raise NotFound(_l("No such step."))
    if status not in STEP_STATUSES:
        raise _invalid("status", _l("Unknown status."))
    if len(notes or "") > 10_000:
        raise _invalid("notes", _l("At most %(n)d characters.", n=10_000))
    clean: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if not isinstance(key, str) or len(key) > 40:
            raise _invalid("details", _l("Unknown detail."))
        if isinstance(value, list):
            value = [str(v)[:300] for v in value][:100]
        else:
            value = str(value or "")[:2000]
        clean[key] = value
    step.owner = _owner(plan, owner_id)
    step.status = status
    step.notes = notes or ""
    if details is not None:
        step.details = {**(step.details or {}), **clean}
    db.session.flush()
    return step


# --- drivers, measures, scenarios --------------------------------------------------------


def add_driver(
    actor: Person,
    plan: Plan,
    name: str,
    unit_of_demand: str,
    values: dict[int, float],
    ratios: dict[str, float],
) -> DemandDriver:
    """A yearly demand series with the FTE per unit of demand for each job code."""
    _manage(actor, plan)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise _invalid("name", _l("Give the driver a name (at most 200 characters)."))
    if any(d.name == name for d in plan.drivers):
        raise _invalid("name", _l("The plan already has a driver with this name."))
    clean_values: dict[str, float] = {}
    for year, value in values.items():
        if not 1900 <= int(year) <= 2200 or value is None or float(value) < 0:
            raise _invalid("values", _l("Values are numbers of zero or more per year."))
        clean_values[str(int(year))] = float(value)
    if not clean_values:
        raise _invalid("values", _l("Give at least one yearly value."))
    clean_ratios: list[StaffingRatio] = []
    for job, ratio in ratios.items():
        job = (job or "").strip()
        if not job or len(job) > 32 or ratio is None or float(ratio) < 0:
            raise _invalid("ratios", _l("Each ratio needs a job code and an FTE of zero or more."))
        clean_ratios.append(StaffingRatio(job_code=job, fte_per_unit=float(ratio)))
    driver = DemandDriver(
        plan=plan,
        name=name,
        unit_of_demand=(unit_of_demand or "").strip()[:100],
        values=clean_values,
    )
    driver.ratios = clean_ratios
    db.session.add(driver)
    db.session.flush()
    return driver


def delete_driver(actor: Person, plan: Plan, driver_id: int) -> None:
    """Remove a demand driver and its ratios from the plan."""
    _manage(actor, plan)
    driver = next((d for d in plan.drivers if d.id == driver_id), None)
    if driver is None:
        raise NotFound(_l("No such driver."))
    plan.drivers.remove(driver)
    db.session.flush()


@dataclass
class MeasureInput:
    """What a measure is made of (parsed by the edges)."""

    kind: str
    title: str
    description: str = ""
    network_id: int | None = None
    training_id: int | None = None
    recruitment: str = ""
    cost: int = 0
    owner_id: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: str = "planned"
    job_code: str | None = None
    fte_change: float = 0.0
    effects: list[tuple[str, int, int]] = field(default_factory=list)


def add_measure(actor: Person, plan: Plan, data: MeasureInput) -> Measure:
    """A measure of one of the four kinds with its expected effect."""
    _manage(actor, plan)
    if data.kind not in MEASURE_KINDS:
        raise _invalid("kind", _l("Choose mobilise, develop, recruit or phase out."))
    if data.status not in MEASURE_STATUSES:
        raise _invalid("status", _l("Unknown status."))
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        raise _invalid("title", _l("Give the measure a title (at most 200 characters)."))
    if data.cost < 0:
        raise _invalid("cost", _l("The cost cannot be negative."))
    if data.fte_change < 0 or data.fte_change > 10_000:
        raise _invalid("fte_change", _l("The FTE effect is zero or more."))
    if data.fte_change and not (data.job_code or "").strip():
        raise _invalid("job_code", _l("Give the job code the FTE effect is for."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise _invalid("ends_on", _l("The end date must not be before the start date."))
    if data.network_id is not None and db.session.get(Network, data.network_id) is None:
        raise _invalid("network_id", _l("No such network."))
    if data.training_id is not None and db.session.get(Training, data.training_id) is None:
        raise _invalid("training_id", _l("No such training."))
    effects = []
    for code, people, level in data.effects:
        if db.session.scalar(sa.select(Competence.id).where(Competence.code == code)) is None:
            raise _invalid("effects", _l("Unknown competence %(code)s.", code=code))
        if int(people) < 1 or int(level) < 1:
            raise _invalid("effects", _l("An effect needs at least one person and a level."))
        effects.append(MeasureEffect(competence_code=code, people=int(people), level=int(level)))
    measure = Measure(
        plan=plan,
        kind=data.kind,
        title=title,
        description=(data.description or "")[:10_000],
        network_id=data.network_id,
        training_id=data.training_id,
        recruitment=(data.recruitment or "")[:300],
        cost=int(data.cost),
        owner=_owner(plan, data.owner_id),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=data.status,
        job_code=(data.job_code or "").strip() or None,
        fte_change=float(data.fte_change),
    )
    measure.effects = effects
    db.session.add(measure)
    db.session.flush()
    return measure


def set_measure_status(actor: Person, plan: Plan, measure_id: int, status: str) -> Measure:
    """Move a measure to another of ``MEASURE_STATUSES``."""
    _manage(actor, plan)
    measure = next((m for m in plan.measures if m.id == measure_id), None)
    if measure is None:
        raise NotFound(_l("No such measure."))
    if status not in MEASURE_STATUSES:
        raise _invalid("status", _l("Unknown status."))
    measure.status = status
    db.session.flush()
    return measure


def delete_measure(actor: Person, plan: Plan, measure_id: int) -> None:
    """Remove a measure and its expected effects from the plan."""
    _manage(actor, plan)
    measure = next((m for m in plan.measures if m.id == measure_id), None)
    if measure is None:
        raise NotFound(_l("No such measure."))
    plan.measures.remove(measure)
    db.session.flush()


def add_scenario(
    actor: Person,
    plan: Plan,
    name: str,
    *,
    retirement_age: int,
    turnover: float,
    driver_multipliers: dict[int, float] | None = None,
    measure_ids: list[int] | None = None,
    description: str = "",
) -> Scenario:
    """A named variant of the assumptions (``measure_ids`` None: all measures)."""
    _manage(actor, plan)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", _l("Give the scenario a name (at most 100 characters)."))
    if any(s.name == name for s in plan.scenarios):
        raise _invalid("name", _l("The plan already has a scenario with this name."))
    driver_ids = {d.id for d in plan.drivers}
    multipliers: dict[str, float] = {}
    for driver_id, factor in (driver_multipliers or {}).items():
        if int(driver_id) not in driver_ids:
            raise _invalid("driver_multipliers", _l("No such driver in this plan."))
        if factor is None or not 0 <= float(factor) <= 10:
            raise _invalid("driver_multipliers", _l("A multiplier is between 0 and 10."))
        multipliers[str(int(driver_id))] = float(factor)
    if measure_ids is not None:
        known = {m.id for m in plan.measures}
        if any(int(m) not in known for m in measure_ids):
            raise _invalid("measure_ids", _l("No such measure in this plan."))
        measure_ids = sorted({int(m) for m in measure_ids})
    scenario = Scenario(
        plan=plan,
        name=name,
        description=(description or "")[:2000],
        retirement_age=check_retirement_age(retirement_age),
        turnover=check_turnover(turnover),
        driver_multipliers=multipliers,
        measure_ids=measure_ids,
    )
    db.session.add(scenario)
    db.session.flush()
    return scenario


def delete_scenario(actor: Person, plan: Plan, scenario_id: int) -> None:
    """Remove a scenario from the plan."""
    _manage(actor, plan)
    scenario = next((s for s in plan.scenarios if s.id == scenario_id), None)
    if scenario is None:
        raise NotFound(_l("No such scenario."))
    plan.scenarios.remove(scenario)
    db.session.flush()


# --- analysis ---------------------------------------------------------------------------


def staff_frame(plan: Plan) -> pd.DataFrame:
    """person_id, unit_id, job_code, fte, birth_year of the active people in the plan's
    unit subtree, as the register holds them now."""
    stmt = (
        sa.select(Person.id, Person.unit_id, Person.job_code, Person.fte, Person.birth_year)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(plan.unit.path), Person.active.is_(True))
    )
    rows = db.session.connection().execute(stmt).all()
    columns = ["person_id", "unit_id", "job_code", "fte", "birth_year"]
    # Column by column from plain tuples (pandas is slow to take row objects one by one).
    frame = pd.DataFrame(
        dict(zip(columns, zip(*rows, strict=True), strict=True)) if rows else [], columns=columns
    )
    frame["fte"] = frame["fte"].astype("float64")
    frame["birth_year"] = frame["birth_year"].astype("float64")
    return frame


def driver_frames(
    plan: Plan, multipliers: dict[str, float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(drivers: driver, year, value; ratios: job_code, driver, fte_per_unit); the driver
    key is its id as a string."""
    rows = [
        (str(d.id), int(year), float(value))
        for d in plan.drivers
        for year, value in (d.values or {}).items()
    ]
    drivers = pd.DataFrame(rows, columns=["driver", "year", "value"])
    ratios = pd.DataFrame(
        [(r.job_code, str(d.id), r.fte_per_unit) for d in plan.drivers for r in d.ratios],
        columns=["job_code", "driver", "fte_per_unit"],
    )
    return analysis.scale_drivers(drivers, multipliers or {}), ratios


def measures_in(plan: Plan, measure_ids: list[int] | None) -> list[Measure]:
    chosen = [m for m in plan.measures if m.status != "dropped"]
    if measure_ids is not None:
        ids = set(measure_ids)
        chosen = [m for m in chosen if m.id in ids]
    return chosen


def measure_frame(plan: Plan, measures: list[Measure]) -> pd.DataFrame:
    """job_code, from_year, fte_change of the measures with an FTE effect."""
    return pd.DataFrame(
        [
            (m.job_code, (m.starts_on or plan.period_from).year, m.fte_change)
            for m in measures
            if m.job_code and m.fte_change
        ],
        columns=["job_code", "from_year", "fte_change"],
    )


def effects_frame(measures: list[Measure]) -> pd.DataFrame:
    """competence, people, level of the measures' expected effects."""
    return pd.DataFrame(
        [(e.competence_code, e.people, e.level) for m in measures for e in m.effects],
        columns=["competence", "people", "level"],
    )


@dataclass
class Staffing:
    """The staffing analysis of a plan under one set of assumptions."""

    years: list[int]
    retirement_age: int
    turnover: float
    by_job: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]]


def staffing_gap_after(
    plan: Plan,
    staff: pd.DataFrame,
    age: int,
    rate: float,
    multipliers: dict[str, float] | None,
    measure_ids: list[int] | None,
    work: analysis.StaffWork | None = None,
) -> pd.DataFrame:
    """The staffing gap per year and job under these assumptions, after the measures.
    ``work``: what the plan's other variants worked out from the same ``staff``."""
    drivers, ratios = driver_frames(plan, multipliers)
    years = plan.years
    work = work or analysis.StaffWork(staff)
    gap = analysis.staffing_gap(staff, drivers, ratios, years, years[0], age, rate, work=work)
    return analysis.gap_after_measures(gap, measure_frame(plan, measures_in(plan, measure_ids)))


def totals_of(gap: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (int(v) if k == "year" else float(v)) for k, v in r.items()}
        for r in analysis.totals_by_year(gap).to_dict("records")
    ]


def staffing(
    plan: Plan,
    *,
    retirement_age: int | None = None,
    turnover: float | None = None,
    multipliers: dict[str, float] | None = None,
    measure_ids: list[int] | None = None,
    staff: pd.DataFrame | None = None,
    work: analysis.StaffWork | None = None,
) -> Staffing:
    """FTE now by job and unit, supply, departures, need and gap per year and job, and
    the gap after the measures (by default the plan's assumptions and all measures).
    ``work``: as ``staffing_gap_after``'s."""
    staff = staff_frame(plan) if staff is None else staff
    age = plan.retirement_age if retirement_age is None else retirement_age
    rate = plan.turnover if turnover is None else turnover
    years = plan.years
    work = work or analysis.StaffWork(staff)
    gap = staffing_gap_after(plan, staff, age, rate, multipliers, measure_ids, work)
    by_job = work.by_job()
    by_unit = analysis.fte_now(staff, by=["unit_id", "job_code"])
    names = (
        dict(
            db.session.execute(
                sa.select(OrgUnit.id, OrgUnit.name).where(
                    OrgUnit.id.in_([int(u) for u in by_unit["unit_id"].unique()])
                )
            ).all()
        )
        if not by_unit.empty
        else {}
    )
    return Staffing(
        years=years,
        retirement_age=age,
        turnover=rate,
        by_job=[
            {"job_code": r.job_code, "people": int(r.people), "fte": round(float(r.fte), 2)}
            for r in by_job.itertuples()
        ],
        by_unit=[
            {
                "unit": names.get(int(r.unit_id), ""),
                "job_code": r.job_code,
                "people": int(r.people),
                "fte": round(float(r.fte), 2),
            }
            for r in by_unit.itertuples()
        ],
        rows=[
            {
                k: (int(v) if k == "year" else v if k == "job_code" else float(v))
                for k, v in r.items()
            }
            for r in gap.to_dict("records")
        ],
        totals=totals_of(gap),
    )


def competence_gap(
    plan: Plan,
    measure_ids: list[int] | None = None,
    now: dt.date | None = None,
    frames: gap_queries.Frames | None = None,
) -> dict[str, Any]:
    """The competence gap at the plan's target date (its last day): requirements in
    force then against today's levels, and the gap points left if the measures work.
    ``frames``: the subtree's frames read for these dates among others (``overview``)."""
    now = now or today()
    target = plan.period_to
    levels_on = min(target, now)
    frames = frames or gap_queries.unit_frames(plan.unit, [target], [levels_on])
    frame = frames.gap_at(target, levels_on)
    measures = measures_in(plan, measure_ids)
    effects = effects_frame(measures)
    # The same gap frame for the plan and each scenario: its table worked out once.
    table = frames.once(f"gap_table {target} {levels_on}", lambda: gap_analysis.gap_table(frame))
    projected = analysis.projected_by_competence(frame, effects)
    rows = [
        {
            "competence": r.competence,
            "people_required": int(r.people_required),
            "people_with_gap": int(r.people_with_gap),
            "gap_points": int(r.gap_points),
            "projected_gap_points": projected.get(r.competence, 0),
        }
        for r in table.itertuples()
    ]
    return {
        "target_date": target.isoformat(),
        "levels_on": levels_on.isoformat(),
        "gap_points": int(frame["gap"].sum()) if not frame.empty else 0,
        "projected_gap_points": sum(projected.values()),
        "rows": rows,
    }


def follow_up(
    plan: Plan, now: dt.date | None = None, frames: gap_queries.Frames | None = None
) -> dict[str, Any]:
    """Actual gap closure in the plan's subtree from the start of the period to today
    (the gap module's closure), beside the closure the measures promise."""
    now = now or today()
    start = plan.period_from
    end = max(min(now, plan.period_to), start)
    frames = frames or gap_queries.unit_frames(plan.unit, [start, end], [min(start, now), end])
    actual = frames.closure(start, end)
    frame = frames.gap_at(start, min(start, now))
    g0 = int(frame["gap"].sum()) if not frame.empty else 0
    expected_left = analysis.projected_gap_points(frame, effects_frame(measures_in(plan, None)))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **actual,
        "expected_closure": None if g0 == 0 else (g0 - expected_left) / g0,
    }


def frameworks_in_use(plan: Plan) -> list[dict[str, Any]]:
    """Step 4, what competence is here: the frameworks whose competences the plan
    unit's requirements (its own and its ancestors') or people's assessments use."""
    unit_ids = plan.unit.ancestor_ids()
    via_req = sa.select(Requirement.competence_id).where(
        sa.or_(Requirement.unit_id.in_(unit_ids), Requirement.scope_type == "job")
    )
    # Per competence not required, whether someone in the subtree has an assessment of
    # it (the (person, competence) index; was a join of every assessment to its person).
    via_assessment = (
        sa.select(Assessment.id)
        .join(Person, Person.id == Assessment.person_id)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(Assessment.competence_id == Competence.id, OrgUnit.path.startswith(plan.unit.path))
        .exists()
    )
    stmt = (
        sa.select(Competence.framework_id, sa.func.count(sa.distinct(Competence.id)))
        .where(sa.or_(Competence.id.in_(via_req), via_assessment))
        .group_by(Competence.framework_id)
    )
    counts = dict(db.session.execute(stmt).all())
    if not counts:
        return []
    frameworks = db.session.scalars(
        sa.select(Framework).where(Framework.id.in_(list(counts))).order_by(Framework.code)
    )
    return [{"framework": f, "competences": int(counts[f.id])} for f in frameworks]
