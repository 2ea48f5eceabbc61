"""A fixture world for the authorization matrix, built through the features' services.

Two sides: side A (unit A1 and its department) where the caller's own objects live, and
side B (unit B1) whose objects are foreign to everyone on side A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kollega.cycle import services as cycle
from kollega.cycle.models import FixedPeriod
from kollega.cycle.services import occurrence_key
from kollega.extensions import db
from kollega.networks.invitations import invite_guest
from kollega.networks.members import add_member
from kollega.networks.networks import create_network
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread
from kollega.org.models import Person
from kollega.plans import services as plans
from kollega.training import services as training
from kollega.uploads.services import create_upload

# The roles of the matrix, in the order of the policy strings (tests/security/policy.py).
ROLES = (
    "anonymous",
    "employee",
    "employee_other",
    "facilitator",
    "leader",
    "leader_other",
    "hr",
    "admin",
    "guest",
)


@dataclass
class World:
    people: dict[str, Person | None]
    own: dict[str, Any] = field(default_factory=dict)
    foreign: dict[str, Any] = field(default_factory=dict)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 80, 122)).save(out, format="PNG")
    return out.getvalue()


def build_world(org: Any) -> World:
    """Closed networks on both sides, an open network, threads and messages in each,
    unit events, plans, a training with a session and an enrolment."""
    lead, other_lead = org.leader, org.other_leader
    # Side A: a request-only network run by the leader, with Ola as co-facilitator,
    # the employee and the guest as members.
    net_a = create_network(lead, "Personvern i skolen", "", visibility="request")
    add_member(lead, net_a.id, org.employee.id)
    add_member(lead, net_a.id, org.employee_a1.id, role="facilitator")
    invite_guest(lead, net_a.id, org.guest.email, org.guest.name)
    thread_a, _ = open_thread(lead, net_a.id, "Samtykke", body="Hemmelig innhold A")
    msg_a = send_message(org.employee, thread_a.id, "matrix-a-1", "Evas melding").message
    send_message(org.employee_a1, thread_a.id, "matrix-a-2", "Svar fra Ola", msg_a.id)
    # An open network.
    net_open = create_network(lead, "Digital hverdag", "Åpent", visibility="open")
    thread_open, _ = open_thread(lead, net_open.id, "Velkommen", body="Hei alle!")
    # Side B: an invite-only network run by the other leader; the other employee belongs.
    net_b = create_network(other_lead, "Hjemmetjenesten", "", visibility="invite")
    add_member(other_lead, net_b.id, org.other_employee.id)
    thread_b, _ = open_thread(other_lead, net_b.id, "Turnus", body="Hemmelig innhold B")
    msg_b = send_message(org.other_employee, thread_b.id, "matrix-b-1", "Pers melding").message
    # An image sent with a message on each side (kollega.uploads); messages of their own,
    # as the socket run deletes msg_a and msg_b.
    upload_a = create_upload(org.employee, "tavle.png", _png())
    send_message(org.employee, thread_a.id, "matrix-a-3", "Tavla", attachments=[upload_a.id])
    upload_b = create_upload(org.other_employee, "turnus.png", _png())
    send_message(org.other_employee, thread_b.id, "matrix-b-2", "Turnus", attachments=[upload_b.id])

    stop = {
        "kind": "learning_stop",
        "title": "Læringsstopp",
        "starts_at": "2027-03-02T09:00",
        "ends_at": "2027-03-02T10:30",
        "reminders": [60],
    }
    event_a = cycle.create_event(lead, {**stop, "unit": "A1"})
    event_b = cycle.create_event(other_lead, {**stop, "unit": "B1", "title": "B1-stopp"})
    key = occurrence_key(dt.datetime(2027, 3, 2, 8, 0, tzinfo=dt.UTC))
    period = FixedPeriod(kind="planning_period", title="Planlegging", rule="week", week=33, days=5)
    db.session.add(period)

    plan_a = plans.create_plan(
        lead, org.unit_a1, "Plan A1", dt.date(2027, 1, 1), dt.date(2028, 12, 31)
    )
    plan_b = plans.create_plan(
        other_lead, org.unit_b1, "Plan B1", dt.date(2027, 1, 1), dt.date(2028, 12, 31)
    )

    course = training.save_training(
        org.hr, training.TrainingData(title="Personvern", format="course")
    )
    start = dt.datetime(2027, 5, 3, 8, 0, tzinfo=dt.UTC)
    session = training.add_session(
        org.hr, course, start, start + dt.timedelta(hours=3), "Rådhuset", 20
    )
    enrol_a = training.enrol(org.employee, session)
    enrol_b = training.enrol(org.other_employee, session)
    db.session.commit()

    people = {
        "anonymous": None,
        "employee": org.employee,
        "employee_other": org.other_employee,
        "facilitator": org.employee_a1,
        "leader": lead,
        "leader_other": other_lead,
        "hr": org.hr,
        "admin": org.admin,
        "guest": org.guest,
    }
    common = {
        "key": key,
        "number": 1,
        "year": 2027,
        "fmt": "csv",
        "name": "none.eml",
        "token": "not-a-token",
        "filename": "css/app.css",
        "training_id": course.id,
        "session_id": session.id,
        "proposal_id": 999999,
        "token_id": 999999,
        "request_id": 999999,
        "requirement_id": 999999,
        "competence": "digcomp-2.2:4.2",
        "framework": "digcomp-2.2",
        "period_id": period.id,
    }
    own = {
        **common,
        "network_id": net_a.id,
        "thread_id": thread_a.id,
        "message_id": msg_a.id,
        "event_id": event_a.id,
        "plan_id": plan_a.id,
        "enrolment_id": enrol_a.id,
        "unit": "A1",
        "person_id": "self",
        "upload_id": upload_a.id,
    }
    foreign = {
        **common,
        "network_id": net_b.id,
        "thread_id": thread_b.id,
        "message_id": msg_b.id,
        "event_id": event_b.id,
        "plan_id": plan_b.id,
        "enrolment_id": enrol_b.id,
        "unit": "B1",
        "person_id": org.other_employee.id,
        "upload_id": upload_b.id,
    }
    world = World(people=people, own=own, foreign=foreign)
    world.open_thread_id = thread_open.id  # type: ignore[attr-defined]
    return world
