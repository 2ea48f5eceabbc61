"""A small municipality with known network and cycle activity, for the metrics tests.

Built on ``tests.factories.build_org`` (K ─ A ─ A1 ─ A1a, A ─ A2, K ─ B ─ B1). Added:
six more people in A1 (so A1's subtree has 10 people) and two in B1 (B1: 4 people).

Period: 2026-01-01 .. 2026-06-30. Known figures:
- A1 subtree: members 7 (the leader, Eva, Kari, Ola and p1 joined before the period,
  so A1 had 5 members or more on every day of it; p2 and p3 joined in it; p4 joins in
  July, after it); active 4 (Eva posts twice, Kari reacts, Ola
  attends, p1 opens a thread with one message); messages 3; reactions 1; threads 1;
  stops held 2 (invited 10 + 10, attended 4 + 2: rate 0.3; the others attending are
  not members); reflections 1 (p2, not active); trainings completed 1 (Eva).
- B1 subtree: 3 members (under 5): hidden.
- Division B: two more people placed directly in it, both members of B's network, so
  B has 5 members and is shown, and the municipality (12) minus A (7) gives 5, not the
  3 of B1 (secondary suppression, DESIGN.md). Within A1, A1a has 2 members, so A1's
  people placed directly in it (5 members) are hidden too: A1 minus them gives A1a.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kollega.cycle.models import Attendance, CycleEvent, Reflection
from kollega.extensions import db
from kollega.networks.models import Message, Network, NetworkMember, Reaction, Thread
from kollega.org.models import Person
from kollega.training.models import Enrolment, Training, TrainingSession
from tests.factories import Org, make_person

START, END = "2026-01-01", "2026-06-30"
UTC = dt.UTC


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Known:
    org: Org
    network: Network
    b_network: Network
    a1_extra: list[Person]
    b1_extra: list[Person]


def member(network: Network, person: Person, joined: str) -> NetworkMember:
    m = NetworkMember(
        network_id=network.id, person_id=person.id, state="active", joined_at=at(joined)
    )
    m.created_at = at(joined)
    db.session.add(m)
    return m


def message(thread: Thread, author: Person, day: str, seq: int) -> Message:
    msg = Message(
        thread_id=thread.id,
        seq=seq,
        author_id=author.id,
        client_id=f"c{seq}-{author.id}",
        body="hemmelig innhold",
        body_html="<p>hemmelig innhold</p>",
        created_at=at(day),
    )
    db.session.add(msg)
    db.session.flush()
    return msg


def stop(unit_id: int, day: str, invited: int, attended: int, people: list[Person]) -> CycleEvent:
    """A learning stop with ``invited`` invitations, the first ``attended`` present."""
    event = CycleEvent(
        kind="learning_stop",
        unit_id=unit_id,
        title="Læringsstopp",
        starts_at=at(day, 9),
        ends_at=at(day, 10),
    )
    db.session.add(event)
    db.session.flush()
    for i, person in enumerate(people[:invited]):
        db.session.add(
            Attendance(
                event_id=event.id,
                occurrence_start=at(day, 9),
                person_id=person.id,
                status="attended" if i < attended else "invited",
            )
        )
    return event


def build(org: Org) -> Known:
    a1_extra = [make_person(org.unit_a1, name=f"A1 person {i}") for i in range(1, 7)]
    b1_extra = [make_person(org.unit_b1, name=f"B1 person {i}") for i in range(1, 3)]
    b_direct = [make_person(org.div_b, name=f"B person {i}") for i in range(1, 3)]
    net = Network(name="Personvern i skolen", visibility="open", status="active")
    b_net = Network(name="Hjemmetjenesten deler", visibility="invite", status="active")
    db.session.add_all([net, b_net])
    db.session.flush()
    p1, p2, p3, p4 = a1_extra[:4]
    for person, joined in (
        (org.leader, "2025-06-01"),
        (org.employee, "2025-09-01"),
        (org.colleague, "2025-10-10"),
        (org.employee_a1, "2025-11-05"),
        (p1, "2025-12-20"),
        (p2, "2026-05-01"),
        (p3, "2026-06-30"),
        (p4, "2026-07-02"),  # after the period
    ):
        member(net, person, joined)
    for person in (org.other_employee, org.other_leader, b1_extra[0]):  # 3 of B1's 4
        member(b_net, person, "2025-01-01")
    for person in b_direct:
        member(b_net, person, "2025-01-01")
    db.session.flush()

    thread = Thread(network_id=net.id, title="Delingsmøte", kind="discussion", created_by_id=p1.id)
    thread.created_at = at("2026-04-01")
    db.session.add(thread)
    db.session.flush()
    m1 = message(thread, p1, "2026-04-01", 1)
    message(thread, org.employee, "2026-01-15", 2)
    message(thread, org.employee, "2026-05-15", 3)
    message(thread, org.employee, "2026-07-15", 4)  # after the period
    db.session.add(
        Reaction(
            message_id=m1.id, person_id=org.colleague.id, emoji="👍", created_at=at("2026-04-02")
        )
    )

    p5, p6 = a1_extra[4:]
    rest = [org.leader, org.employee, org.colleague, p1, p2, p3]
    stop(org.unit_a1.id, "2026-02-01", 10, 4, [org.employee_a1, p4, p5, p6, *rest])
    stop(org.dept_a1a.id, "2026-05-01", 10, 2, [p5, p6, org.employee_a1, p4, *rest])
    stop(org.unit_a1.id, "2026-08-01", 10, 10, [org.employee_a1, p4, p5, p6, *rest])  # after
    db.session.flush()
    first = db.session.query(CycleEvent).order_by(CycleEvent.id).first()
    db.session.add(
        Reflection(
            event_id=first.id,
            occurrence_start=at("2026-02-01", 9),
            person_id=p2.id,
            answers=[{"prompt": "Hva lærte du?", "answer": "Mye"}],
        )
    )
    training = Training(title="Personvern i praksis", format="e-learning")
    db.session.add(training)
    db.session.flush()
    session = TrainingSession(
        training_id=training.id, starts_at=at("2026-03-01"), ends_at=at("2026-03-01", 12)
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Enrolment(
            session_id=session.id,
            person_id=org.employee.id,
            status="completed",
            completed_at=at("2026-03-01", 13),
        )
    )
    db.session.commit()
    return Known(org, net, b_net, a1_extra, b1_extra)
