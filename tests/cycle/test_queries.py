"""Frames for HR's participation metrics."""

from __future__ import annotations

from kollega.cycle import attendance, jobs, queries
from kollega.extensions import db
from tests.cycle.helpers import make_event, utc


def test_stops_and_activity_frames(app, org):
    event = make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Stopp",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        created_at=utc(2026, 12, 1),
    )
    make_event(
        org.other_leader,
        unit="B1",
        kind="learning_stop",
        title="B1",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        created_at=utc(2026, 12, 1),
    )
    start = utc(2027, 1, 5, 8)
    jobs.run_due(start)  # opens both: invitations
    attendance.check_in(org.leader, event, start, org.employee)
    attendance.save_reflection(org.employee, event, start, ["Bra"], now=start)
    db.session.commit()
    frame = queries.stops_frame(utc(2027, 1, 1), utc(2027, 2, 1), unit=org.div_a)
    assert list(frame["invited"]) == [4] and list(frame["attended"]) == [1]
    assert len(queries.stops_frame(utc(2027, 1, 1), utc(2027, 2, 1))) == 2
    activity = queries.activity_frame(
        [org.employee.id, org.colleague.id], utc(2027, 1, 1), utc(2027, 2, 1)
    )
    assert sorted(activity["kind"]) == ["attendance", "reflection"]
    assert set(activity["person_id"]) == {org.employee.id}
