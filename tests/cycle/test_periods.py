"""HR's fixed periods: defined once, made into a municipality-wide event every year, on
weekdays; in every person's year and calendar feed; the HR page refuses bad input."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import sqlalchemy as sa

from kollega.clock import OSLO
from kollega.cycle import periods
from kollega.cycle.models import CycleEvent, FixedPeriod, FixedPeriodYear
from kollega.db import now_utc
from kollega.demo.seed import build_demo
from kollega.extensions import db
from tests.conftest import login

WEEK = {
    "title": "Felles planleggingsperiode",
    "kind": "planning_period",
    "rule": "week",
    "week": "33",
    "start_time": "08:00",
    "end_time": "16:00",
}
DAYS = {
    "title": "Planlegging etter nyttår",
    "kind": "planning_period",
    "rule": "dates",
    "start_day": "2",
    "start_month": "1",
    "days": "3",
    "start_time": "08:00",
    "end_time": "16:00",
}


def _period(**fields: object) -> FixedPeriod:
    base = {"kind": "inspiration", "title": "Dag", "rule": "dates", "days": 1}
    return FixedPeriod(**{**base, **fields})


@pytest.mark.parametrize("year", range(2024, 2036))
def test_every_span_is_on_weekdays_and_in_one_week(year):
    for fields in (
        {"rule": "week", "week": 2, "days": 5},
        {"rule": "week", "week": 33, "days": 5},
        {"start_month": 1, "start_day": 2, "days": 3},
        {"start_month": 4, "start_day": 22, "days": 1},
        {"start_month": 11, "start_day": 25, "days": 1},
        {"start_month": 2, "start_day": 29, "days": 2},
    ):
        span = periods.span_in(_period(**fields), year)
        assert span is not None
        assert span.first.weekday() < 5 and span.last.weekday() < 5, (fields, span)
        assert span.first.isocalendar().week == span.last.isocalendar().week
        assert span.first.year == year


def test_planning_after_new_year_moves_past_the_weekend():
    # 2 January 2026 is a Friday: three days from it would run over the weekend.
    span = periods.span_in(_period(start_month=1, start_day=2, days=3), 2026)
    assert (span.first, span.last) == (dt.date(2026, 1, 5), dt.date(2026, 1, 7))
    # 2 January 2027 is a Saturday: the Monday after.
    span = periods.span_in(_period(start_month=1, start_day=2, days=3), 2027)
    assert (span.first, span.last) == (dt.date(2027, 1, 4), dt.date(2027, 1, 6))
    week = periods.span_in(_period(rule="week", week=2, days=5), 2026)
    assert (week.first, week.last) == (dt.date(2026, 1, 5), dt.date(2026, 1, 9))
    assert periods.span_in(_period(rule="week", week=53, days=5), 2027) is None


def test_hr_adds_a_period_and_it_is_made_for_this_year_and_next_once(client, org):
    login(client, org.hr)
    page = client.get("/cycle/periods")
    assert page.status_code == 200 and "Faste perioder" in page.get_data(as_text=True)
    response = client.post("/cycle/periods", data=DAYS)
    assert response.status_code == 302
    year = now_utc().astimezone(OSLO).year
    rows = db.session.scalars(sa.select(FixedPeriodYear).order_by(FixedPeriodYear.year)).all()
    assert [r.year for r in rows] == [year, year + 1]
    for row in rows:
        event = row.event
        assert event.municipality_wide and event.kind == "planning_period"
        first = event.starts_at.astimezone(OSLO)
        last = event.ends_at.astimezone(OSLO)
        assert first.weekday() < 5 and last.weekday() < 5 and first.hour == 8 and last.hour == 16
    periods.fill_current_years()  # the daily job: nothing new
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CycleEvent)) == 2
    html = client.get("/cycle/periods").get_data(as_text=True)
    assert "Planlegging etter nyttår" in html and "arbeidsdager" in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "p-title"),
        ({"kind": "party"}, "p-kind"),
        ({"rule": "sometimes"}, "p-rule"),
        ({"rule": "week", "week": "54"}, "p-week"),
        ({"rule": "week", "week": "x"}, "p-week"),
        ({"start_day": "31", "start_month": "2"}, "p-start_day"),
        ({"start_month": "13"}, "p-start_month"),
        ({"days": "0"}, "p-days"),
        ({"start_time": "25:00"}, "p-start_time"),
        ({"end_time": "07:00"}, "p-end_time"),
    ],
)
def test_bad_input_is_refused_in_bokmal_and_changes_nothing(client, org, change, field):
    login(client, org.hr)
    response = client.post("/cycle/periods", data={**DAYS, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and "error-summary" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FixedPeriod)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CycleEvent)) == 0


def test_only_hr_defines_periods(client, org):
    for person in (org.employee, org.leader, org.admin):
        login(client, person)
        assert client.get("/cycle/periods").status_code == 403
        assert client.post("/cycle/periods", data=WEEK).status_code in (400, 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FixedPeriod)) == 0


def test_removing_a_period_removes_its_coming_events(client, org):
    login(client, org.hr)
    client.post("/cycle/periods", data=WEEK)
    period = db.session.scalars(sa.select(FixedPeriod)).one()
    response = client.post(f"/cycle/periods/{period.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FixedPeriod)) == 0
    left = db.session.scalars(sa.select(CycleEvent)).all()
    assert all(e.starts_at <= now_utc() for e in left)
    assert client.post("/cycle/periods/999999/delete").status_code == 404


def test_next_years_calendar_feed_has_the_fixed_periods(client, org):
    login(client, org.hr)
    client.post("/cycle/periods", data=WEEK)
    client.post(
        "/cycle/periods",
        data={
            **DAYS,
            "kind": "annual_evaluation",
            "title": "Årsevaluering",
            "start_day": "25",
            "start_month": "11",
            "days": "1",
        },
    )
    login(client, org.employee)  # an employee of a unit: the municipality's periods reach them
    url = client.get("/api/v1/me").get_json()["calendar_url"]
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    cal = icalendar.Calendar.from_ical(client.get(url.split("localhost", 1)[1]).data)
    next_year = now_utc().astimezone(OSLO).year + 1
    found = {}
    for vevent in cal.walk("VEVENT"):
        start = vevent.decoded("dtstart")
        if start.year == next_year:
            found[str(vevent["summary"])] = (start, vevent.decoded("dtend"))
    assert set(found) >= {"Felles planleggingsperiode", "Årsevaluering"}
    start, end = found["Felles planleggingsperiode"]
    assert start.isocalendar().week == 33 and start.weekday() == 0 and end.weekday() == 4
    start, end = found["Årsevaluering"]
    assert start.weekday() < 5 and start.date() == end.date()


def test_the_demo_has_the_fixed_periods_last_this_and_next_year_on_weekdays(app):
    build_demo(employees=60, seed=3)
    db.session.commit()
    year = now_utc().astimezone(OSLO).year
    wide = db.session.scalars(sa.select(CycleEvent).where(CycleEvent.municipality_wide)).all()
    for each in (year - 1, year, year + 1):
        mine = [e for e in wide if e.starts_at.astimezone(OSLO).year == each]
        assert {e.kind for e in mine} >= {
            "planning_period",
            "inspiration",
            "innovation",
            "annual_evaluation",
        }, each
        for event in mine:
            first, last = event.starts_at.astimezone(OSLO), event.ends_at.astimezone(OSLO)
            assert first.weekday() < 5 and last.weekday() < 5, event
            if event.kind == "planning_period":
                assert first.weekday() == 0 and last.weekday() == 4, event


def test_a_units_calendar_feed_has_the_fixed_periods_too(client, org):
    login(client, org.hr)
    client.post("/cycle/periods", data=WEEK)
    login(client, org.leader)
    response = client.get("/api/v1/cycle/units/A1/calendar.ics")
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.data)
    next_year = now_utc().astimezone(OSLO).year + 1
    starts = [
        e.decoded("dtstart")
        for e in cal.walk("VEVENT")
        if str(e["summary"]) == "Felles planleggingsperiode"
    ]
    assert any(s.year == next_year and s.isocalendar().week == 33 for s in starts)


def test_hr_changes_a_period_and_its_coming_events_move(client, org):
    login(client, org.hr)
    client.post("/cycle/periods", data=WEEK)
    period = db.session.scalars(sa.select(FixedPeriod)).one()
    form = client.get(f"/cycle/periods?edit={period.id}").get_data(as_text=True)
    assert 'name="period_id"' in form and 'value="33"' in form
    changed = {**WEEK, "week": "34", "title": "Planleggingsuke", "period_id": str(period.id)}
    assert client.post("/cycle/periods", data=changed).status_code == 302
    db.session.expire_all()
    next_year = now_utc().astimezone(OSLO).year + 1
    row = db.session.get(FixedPeriodYear, (period.id, next_year))
    start = row.event.starts_at.astimezone(OSLO)
    assert row.event.title == "Planleggingsuke" and start.isocalendar().week == 34
    assert start.weekday() == 0 and row.event.ends_at.astimezone(OSLO).weekday() == 4
    # Bad input changes nothing; an unknown period is a 404.
    bad = client.post("/cycle/periods", data={**changed, "week": "0"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(FixedPeriod, period.id).week == 34
    assert client.get("/cycle/periods?edit=999999").status_code == 404
    assert client.get("/cycle/periods?edit=x").status_code == 404
    assert client.post("/cycle/periods", data={**WEEK, "period_id": "999999"}).status_code == 404
