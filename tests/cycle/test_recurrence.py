"""Recurrence is computed in Europe/Oslo: wall-clock times survive daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from kollega.cycle import services
from kollega.errors import ValidationError
from tests.cycle.helpers import make_event, utc


def local_times(occs):  # type: ignore[no-untyped-def]
    return [o.starts_at.astimezone(services.OSLO) for o in occs]


def test_first_tuesday_stays_at_nine_across_dst(org):
    # 2027-03-02 is the first Tuesday of March (CET, UTC+1); DST starts 2027-03-28.
    event = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2027-03-02T09:00",
        ends_at="2027-03-02T10:30",
        rrule="FREQ=MONTHLY;BYDAY=1TU",
    )
    occs = services.occurrences(event, utc(2027, 3, 1), utc(2027, 12, 1))
    local = local_times(occs)
    assert [d.day for d in local[:3]] == [2, 6, 4]  # 2 Mar, 6 Apr, 4 May
    assert all((d.hour, d.minute) == (9, 0) for d in local)
    assert all(d.weekday() == 1 for d in local)
    # The UTC hour moves with the offset: 08:00Z in winter, 07:00Z in summer.
    assert occs[0].starts_at.hour == 8 and occs[1].starts_at.hour == 7
    assert all(o.ends_at - o.starts_at == dt.timedelta(minutes=90) for o in occs)
    # Back to winter time in November: 09:00 local is 08:00Z again.
    assert occs[-1].starts_at.astimezone(services.OSLO).month == 11
    assert occs[-1].starts_at.hour == 8


def test_every_sixth_week_with_exception(org):
    event = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Stopp",
        starts_at="2027-01-12T14:00",
        ends_at="2027-01-12T15:00",
        rrule="FREQ=WEEKLY;INTERVAL=6;COUNT=5",
        exdates=["2027-02-23T14:00"],
    )
    occs = services.occurrences(event, utc(2027, 1, 1), utc(2028, 1, 1))
    days = [d.date().isoformat() for d in local_times(occs)]
    assert days == ["2027-01-12", "2027-04-06", "2027-05-18", "2027-06-29"]
    assert all(d.hour == 14 for d in local_times(occs))


def test_until_in_local_time_is_stored_in_utc():
    assert services.normalise_rrule("rrule:freq=weekly;until=20270630") == (
        "FREQ=WEEKLY;UNTIL=20270630T215959Z"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "FREQ=SOMETIMES",
        "FREQ=MINUTELY",
        "BYDAY=MO",
        "FREQ=WEEKLY;INTERVAL=x",
        "DTSTART:1",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # never: would search to year 9999
        "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,1,2",
    ],
)
def test_bad_rrules_are_refused(bad):
    with pytest.raises(ValidationError) as info:
        services.normalise_rrule(bad)
    assert "rrule" in info.value.fields


def test_one_off_event_in_window(org):
    event = make_event(
        org.hr,
        municipality_wide=True,
        kind="annual_evaluation",
        title="Årsevaluering",
        starts_at="2027-11-30T09:00+01:00",
        ends_at="2027-11-30T15:00+01:00",
    )
    assert len(services.occurrences(event, utc(2027, 11, 1), utc(2027, 12, 1))) == 1
    assert services.occurrences(event, utc(2027, 12, 1), utc(2028, 1, 1)) == []
