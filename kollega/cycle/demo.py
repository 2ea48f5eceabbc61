"""Demo data for the annual cycle: a full year for the demo municipality.

HR's fixed periods (planning periods, inspiration and innovation days and the annual
evaluation, for last year, this year and next, on weekdays); learning stops every sixth
week in many units; evaluation stops in June and
December. Past occurrences carry invitations, attendance, reflections and the
scheduler's dispatch records (so the scheduler does not replay them); upcoming ones are
left for the scheduler. The year is the current one, so the demo always has both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kollega.clock import OSLO
from kollega.cycle import periods, services
from kollega.cycle.models import Attendance, CycleEvent, Dispatch, FixedPeriod, Reflection
from kollega.db import now_utc
from kollega.demo.seed import DemoContext, demo_step
from kollega.extensions import db

# HR's fixed periods (kollega.cycle.periods), made into events for last year, this year
# and next year, always on weekdays:
# (kind, title, ISO week or None, month, day, working days, start hour, end hour)
FIXED_PERIODS = (
    ("planning_period", "Felles planleggingsperiode vår", 2, None, None, 5, 8, 16),
    ("innovation", "Innovasjonsuke: tjenester vi kan gjøre smartere", 10, None, None, 5, 9, 15),
    ("inspiration", "Inspirasjonsdag: lærende nettverk i Drammen", None, 4, 22, 1, 9, 15),
    ("planning_period", "Felles planleggingsperiode høst", 33, None, None, 5, 8, 16),
    ("inspiration", "Inspirasjonsdag: digital kompetanse og personvern", None, 10, 14, 1, 9, 15),
    ("annual_evaluation", "Årsevaluering av kompetansearbeidet", None, 11, 25, 1, 9, 15),
)


def _fixed_periods(year: int, hr_id: int) -> list[CycleEvent]:
    """HR's fixed periods, and their events in ``year`` - 1, ``year`` and ``year`` + 1."""
    for kind, title, week, month, day, days, h1, h2 in FIXED_PERIODS:
        db.session.add(
            FixedPeriod(
                kind=kind,
                title=title,
                description="Fast aktivitet i kommunens administrative årshjul.",
                location="Rådhuset, Engene 1",
                rule="week" if week else "dates",
                week=week,
                start_month=month,
                start_day=day,
                days=days,
                start_minute=h1 * 60,
                end_minute=h2 * 60,
                created_by_id=hr_id,
            )
        )
    db.session.flush()
    made: list[CycleEvent] = []
    # This year first: the first event of the demo is one of this year's.
    for each in (year, year + 1, year - 1):
        made += periods.fill_year(each, hr_id)
    return made


ANSWERS = (
    (
        "Vi prøvde ut kollegaveiledning i teamet.",
        "Vi testet en ny rutine for dokumentasjon.",
        "Vi delte erfaringer fra digitale verktøy.",
        "Vi brukte den nye sjekklisten i hverdagen.",
    ),
    (
        "At kollegaveiledning krever fast tid i kalenderen.",
        "At rutinen sparer tid når alle bruker den.",
        "Vi lærte mye av hverandre, mer enn av kurset.",
        "At personvern må tenkes inn fra starten.",
    ),
    (
        "Vi setter av en fast halvtime hver uke til veiledning.",
        "Vi bruker sjekklisten i alle nye saker.",
        "Vi deler gode eksempler i nettverket.",
        "Vi skal prøve rutinen i hele avdelingen.",
    ),
    (
        "Digital dokumentasjon; Kari kan hjelpe andre.",
        "Veiledning; de erfarne kan hjelpe nyansatte.",
        "Personvern i praksis; vi spør personvernombudet.",
        "Samarbeid på tvers; nettverket hjelper.",
    ),
)


def _local(year: int, month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=OSLO).astimezone(dt.UTC)


def _first_weekday(year: int, month: int, weekday: int, hour: int) -> dt.datetime:
    day = dt.date(year, month, 1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return _local(year, month, day.day, hour)


@demo_step
def annual_cycle(ctx: DemoContext) -> None:
    """A year of planning periods, learning stops and evaluation stops."""
    now = now_utc()
    year = now.astimezone(OSLO).year
    created = _local(year - 1, 12, 1, 9)
    hr_id = ctx.accounts.get("hr") or next(
        (p.id for p in ctx.people if "hr" in p.roles), ctx.people[0].id
    )
    events = _fixed_periods(year, hr_id)
    units = [u for u in ctx.units if u.kind == "unit" and u.leader_id]
    ctx.rng.shuffle(units)
    chosen = units[: max(3, min(40, len(units) * 2 // 3))]
    leader_account = ctx.accounts.get("leader")
    if leader_account is not None:
        for unit_id in ctx.person(leader_account).leads:
            unit = next(u for u in ctx.units if u.id == unit_id)
            if unit not in chosen:
                chosen.insert(0, unit)
    stops: list[CycleEvent] = []
    for i, unit in enumerate(chosen):
        weekday = i % 4  # Monday to Thursday
        first = _first_weekday(year, 1, weekday, 14) + dt.timedelta(weeks=1 + i % 3)
        stops.append(
            CycleEvent(
                kind="learning_stop",
                unit_id=unit.id,
                title=f"Læringsstopp: {unit.name}",
                description="Vi stopper opp, deler erfaringer og lærer av hverandre.",
                agenda="1. Runde: hva har vi prøvd?\n2. Refleksjon i par\n3. Hva tar vi med oss?",
                starts_at=first,
                ends_at=first + dt.timedelta(hours=1),
                location="Personalrommet",
                rrule=f"FREQ=WEEKLY;INTERVAL=6;UNTIL={year}1231T225959Z",
                reminders=[1440, 60],
                competences=[],
                prompts=services.default_prompts("learning_stop"),
                created_by_id=unit.leader_id,
                created_at=created,
            )
        )
        if i % 2 == 0:
            for month in (6, 12):
                start = _first_weekday(year, month, 2, 13) + dt.timedelta(weeks=1)
                stops.append(
                    CycleEvent(
                        kind="evaluation_stop",
                        unit_id=unit.id,
                        title=f"Evalueringsstopp: {unit.name}",
                        description="Evaluering av tiltakene i kompetanseplanen (KS steg 7).",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        location="Møterommet",
                        reminders=[10080, 1440],
                        prompts=services.default_prompts("evaluation_stop"),
                        created_by_id=unit.leader_id,
                        created_at=created,
                    )
                )
    db.session.add_all(stops)
    db.session.flush()
    _past(ctx, stops + events, now)


def _past(ctx: DemoContext, events: list[CycleEvent], now: dt.datetime) -> None:
    """Invitations, attendance, reflections and dispatch records for past occurrences."""
    attendance: list[dict[str, Any]] = []
    reflections: list[dict[str, Any]] = []
    dispatches: list[dict[str, Any]] = []
    year_start = _local(now.astimezone(OSLO).year, 1, 1, 0)
    for event in events:
        people = (
            ctx.people_in(event.unit_id, subtree=True)
            if event.unit_id is not None
            else []  # municipality-wide days: no invitation lists in the demo
        )
        for occ in services.occurrences(event, year_start, now):
            if occ.ends_at > now:
                continue
            for minutes in event.reminders or []:
                dispatches.append(
                    {
                        "event_id": event.id,
                        "occurrence_start": occ.starts_at,
                        "action": f"remind:{minutes}",
                        "due_at": occ.starts_at - dt.timedelta(minutes=minutes),
                        "done_at": occ.starts_at - dt.timedelta(minutes=minutes),
                        "recipients": len(people),
                        "summary": None,
                    }
                )
            if not event.is_stop:
                continue
            attended = 0
            answers = 0
            for person in people:
                roll = ctx.rng.random()
                # The answer and the check-in apart: most said yes and came.
                status = "attending" if roll < 0.78 else "declined" if roll < 0.88 else "invited"
                came = status == "attending" and roll < 0.72
                attendance.append(
                    {
                        "event_id": event.id,
                        "occurrence_start": occ.starts_at,
                        "person_id": person.id,
                        "status": status,
                        "checked_in_at": occ.starts_at if came else None,
                        "updated_at": occ.starts_at,
                    }
                )
                if not came:
                    continue
                attended += 1
                if ctx.rng.random() < 0.45:
                    answers += 1
                    reflections.append(
                        {
                            "event_id": event.id,
                            "occurrence_start": occ.starts_at,
                            "person_id": person.id,
                            "answers": [
                                {"prompt": prompt, "answer": ctx.rng.choice(ANSWERS[i % 4])}
                                for i, prompt in enumerate(event.prompts)
                            ],
                            "created_at": occ.ends_at,
                            "updated_at": occ.ends_at,
                        }
                    )
            for action, at in (("open", occ.starts_at), ("close", occ.ends_at)):
                dispatches.append(
                    {
                        "event_id": event.id,
                        "occurrence_start": occ.starts_at,
                        "action": action,
                        "due_at": at,
                        "done_at": at,
                        "recipients": len(people),
                        "summary": {
                            "invited": len(people),
                            "attended": attended,
                            "reflections": answers,
                        }
                        if action == "close"
                        else None,
                    }
                )
    for table, rows in (
        (Attendance, attendance),
        (Reflection, reflections),
        (Dispatch, dispatches),
    ):
        for i in range(0, len(rows), 2000):
            db.session.execute(sa.insert(table), rows[i : i + 2000])


# The reflection threads of the latest past stops: a step of its own, after this one.
from kollega.cycle import demo_reflect  # noqa: E402, F401
