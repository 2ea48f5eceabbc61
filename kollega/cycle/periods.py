"""Fixed periods: HR defines the municipality's fixed periods once, kollega makes them
into a municipality-wide event every year.

A period is either "week N" (Monday to Friday of ISO week N) or a start date (month and
day) and a number of working days. A start on a Saturday or Sunday moves to the Monday,
and a period of at most five working days that would run over a weekend starts on the
next Monday, so that a fixed period always falls on weekdays and in one week.

Each (period, year) is made once (``FixedPeriodYear``): saving a period fills this year
and next; the daily job ``kollega.cycle.fixed_periods`` fills next year when the year
turns. The year's event is an ordinary municipality-wide ``CycleEvent``, so it shows in
every person's and unit's year view and calendar feed and can be moved in one year
without changing the others. Deleting a period removes its events that have not begun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.clock import OSLO
from kollega.cycle.models import EVENT_KINDS, CycleEvent, FixedPeriod, FixedPeriodYear
from kollega.db import now_utc
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import Person

REMINDERS = [10080, 1440]  # a week and a day before, as HR's own events
MAX_DAYS = 15


@dataclass(frozen=True)
class Span:
    """The days a period takes in one year (inclusive), and its daily times."""

    first: dt.date
    last: dt.date


def _add_workdays(start: dt.date, count: int) -> dt.date:
    day, left = start, count - 1
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def span_in(period: FixedPeriod, year: int) -> Span | None:
    """The days of ``period`` in ``year``, always weekdays; None when the year has no
    such week (week 53) or day."""
    if period.rule == "week":
        try:
            monday = dt.date.fromisocalendar(year, int(period.week or 0), 1)
        except ValueError:
            return None
        return Span(monday, monday + dt.timedelta(days=4))
    month, day = int(period.start_month or 0), int(period.start_day or 0)
    try:
        first = dt.date(year, month, min(day, 28) if month == 2 and day == 29 else day)
    except ValueError:
        return None
    if first.weekday() >= 5:
        first += dt.timedelta(days=7 - first.weekday())
    days = max(1, int(period.days or 1))
    if days <= 5 and first.weekday() + days > 5:
        first += dt.timedelta(days=7 - first.weekday())
    return Span(first, _add_workdays(first, days))


def _at(day: dt.date, minute: int) -> dt.datetime:
    local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=OSLO)
    return local.astimezone(dt.UTC)


def periods() -> list[FixedPeriod]:
    """Every fixed period, in the order of the year (week periods by their week)."""
    rows = list(db.session.scalars(sa.select(FixedPeriod)))
    this_year = now_utc().astimezone(OSLO).year

    def order(p: FixedPeriod) -> tuple[dt.date, int]:
        span = span_in(p, this_year)
        return (span.first if span else dt.date(this_year, 12, 31), p.id)

    return sorted(rows, key=order)


def fill_year(year: int, created_by_id: int | None = None) -> list[CycleEvent]:
    """Make this year's event of every fixed period that has none yet (flush only)."""
    done = set(
        db.session.scalars(sa.select(FixedPeriodYear.period_id).where(FixedPeriodYear.year == year))
    )
    made: list[CycleEvent] = []
    for period in db.session.scalars(sa.select(FixedPeriod).order_by(FixedPeriod.id)):
        if period.id in done:
            continue
        span = span_in(period, year)
        event = None
        if span is not None:
            event = CycleEvent(
                kind=period.kind,
                municipality_wide=True,
                title=period.title,
                description=period.description or "",
                location=period.location or "",
                starts_at=_at(span.first, period.start_minute),
                ends_at=_at(span.last, period.end_minute),
                reminders=list(REMINDERS),
                created_by_id=created_by_id or period.created_by_id,
            )
            db.session.add(event)
            db.session.flush()
            made.append(event)
        db.session.add(
            FixedPeriodYear(period_id=period.id, year=year, event_id=event.id if event else None)
        )
    db.session.flush()
    return made


def fill_current_years(now: dt.datetime | None = None) -> list[CycleEvent]:
    """This year's and next year's events of every fixed period (the daily job)."""
    year = (now or now_utc()).astimezone(OSLO).year
    return fill_year(year) + fill_year(year + 1)


def _int(raw: Any, field: str, low: int, high: int, message: Any) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(message, fields={field: message}) from None
    if not low <= value <= high:
        raise ValidationError(message, fields={field: message})
    return value


def _minute(raw: Any, field: str) -> int:
    message = _l("Write a time as 08:00.")
    text = str(raw or "").strip().replace(".", ":")
    try:
        hour, minute = (int(x) for x in text.split(":"))
    except ValueError:
        raise ValidationError(message, fields={field: message}) from None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValidationError(message, fields={field: message})
    return hour * 60 + minute


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        message = _l("Give the period a name of at most 200 characters.")
        raise ValidationError(message, fields={"title": message})
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        message = _l("Choose a kind.")
        raise ValidationError(message, fields={"kind": message})
    out: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "description": str(data.get("description") or "").strip()[:5000],
        "location": str(data.get("location") or "").strip()[:300],
        "start_minute": _minute(data.get("start_time") or "08:00", "start_time"),
        "end_minute": _minute(data.get("end_time") or "16:00", "end_time"),
    }
    if out["end_minute"] <= out["start_minute"]:
        message = _l("The period must end after it starts each day.")
        raise ValidationError(message, fields={"end_time": message})
    rule = data.get("rule")
    if rule == "week":
        week = _int(data.get("week"), "week", 1, 53, _l("Choose a week from 1 to 53."))
        out.update(rule="week", week=week, start_month=None, start_day=None, days=5)
    elif rule == "dates":
        month = _int(data.get("start_month"), "start_month", 1, 12, _l("Choose a month."))
        day = _int(data.get("start_day"), "start_day", 1, 31, _l("Choose a day from 1 to 31."))
        try:
            dt.date(2024, month, day)  # a leap year: 29 February is a day
        except ValueError:
            message = _l("That month has no such day.")
            raise ValidationError(message, fields={"start_day": message}) from None
        days = _int(
            data.get("days") or 1,
            "days",
            1,
            MAX_DAYS,
            _l("A period is 1 to %(n)s working days.", n=MAX_DAYS),
        )
        out.update(rule="dates", week=None, start_month=month, start_day=day, days=days)
    else:
        message = _l("Choose a week or a date.")
        raise ValidationError(message, fields={"rule": message})
    return out


def create_period(actor: Person, data: dict[str, Any]) -> FixedPeriod:
    """HR adds a fixed period; this year's and next year's events are made at once."""
    permissions.require(permissions.can_plan_municipality_cycle(actor))
    period = FixedPeriod(created_by_id=actor.id, **_clean(data))
    db.session.add(period)
    db.session.flush()
    fill_current_years()
    return period


def get_period(period_id: int) -> FixedPeriod:
    period = db.session.get(FixedPeriod, period_id)
    if period is None:
        raise NotFound(_l("No such fixed period."))
    return period


def update_period(actor: Person, period: FixedPeriod, data: dict[str, Any]) -> int:
    """HR changes a fixed period; its events that have not begun follow (moved to the new
    days, renamed); past ones stay as they were. Returns how many events changed."""
    permissions.require(permissions.can_plan_municipality_cycle(actor))
    for key, value in _clean(data).items():
        setattr(period, key, value)
    now = now_utc()
    changed = 0
    rows = db.session.scalars(
        sa.select(FixedPeriodYear).where(FixedPeriodYear.period_id == period.id)
    )
    for row in rows:
        event = row.event
        if event is None or event.starts_at <= now:
            continue
        span = span_in(period, row.year)
        if span is None:
            db.session.delete(event)
            changed += 1
            continue
        event.kind, event.title = period.kind, period.title
        event.description, event.location = period.description, period.location
        event.starts_at = _at(span.first, period.start_minute)
        event.ends_at = _at(span.last, period.end_minute)
        changed += 1
    db.session.flush()
    return changed


def delete_period(actor: Person, period: FixedPeriod) -> int:
    """HR removes a fixed period and its events that have not begun (past ones stay in
    the record). Returns how many events were removed."""
    permissions.require(permissions.can_plan_municipality_cycle(actor))
    now = now_utc()
    removed = 0
    for row in db.session.scalars(
        sa.select(FixedPeriodYear).where(FixedPeriodYear.period_id == period.id)
    ):
        if row.event is not None and row.event.starts_at > now:
            db.session.delete(row.event)
            removed += 1
    db.session.delete(period)
    db.session.flush()
    return removed


def events_of(period: FixedPeriod) -> dict[int, CycleEvent | None]:
    """Year -> the event the period became that year."""
    rows = db.session.scalars(
        sa.select(FixedPeriodYear)
        .where(FixedPeriodYear.period_id == period.id)
        .order_by(FixedPeriodYear.year)
    )
    return {row.year: row.event for row in rows}
