"""Leaving a network keeps the membership with ``left_at``: past periods still count the
leaver in participation, while member lists, permissions and sockets treat them as gone;
re-joining reuses the row."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kollega import permissions
from kollega.errors import DomainError
from kollega.extensions import db
from kollega.metrics import services
from kollega.networks.members import (
    active_member_ids,
    add_member,
    approve_member,
    join_network,
    leave_network,
    list_members,
    network_ids_for_person,
    remove_member,
)
from kollega.networks.models import NetworkMember
from kollega.networks.networks import create_network
from kollega.networks.send import send_message
from kollega.networks.threads import get_thread, open_thread
from tests.factories import make_person


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)


def month(first: str, last: str) -> services.Period:
    return services.Period(dt.date.fromisoformat(first), dt.date.fromisoformat(last))


def row(network, person) -> NetworkMember:
    return db.session.scalar(
        sa.select(NetworkMember).where(
            NetworkMember.network_id == network.id, NetworkMember.person_id == person.id
        )
    )


def test_a_leaver_counts_in_the_months_they_were_a_member(app, org):
    extra = [make_person(org.unit_a1) for _ in range(4)]
    net = create_network(org.leader, "Digital hverdag", "", visibility="open")
    joiners = [org.employee, org.colleague, org.employee_a1, *extra]
    for person in joiners:
        join_network(person, net.id)
    for person in [org.leader, *joiners]:
        row(net, person).joined_at = at("2026-03-02")
    leave_network(org.employee, net.id)
    left = row(net, org.employee)
    assert left is not None and left.left_at is not None  # kept, not deleted
    left.left_at = at("2026-05-12")
    db.session.commit()

    with app.test_request_context("/"):
        april = services.participation(org.hr, org.unit_a1, month("2026-04-01", "2026-04-30"))
        may = services.participation(org.hr, org.unit_a1, month("2026-05-01", "2026-05-31"))
        june = services.participation(org.hr, org.unit_a1, month("2026-06-01", "2026-06-30"))
        months = services.participation_by_month(
            org.hr, org.unit_a1, month("2026-03-01", "2026-06-30")
        )
    # The leader and seven joiners in March; Eva left on 12 May.
    assert april["members"] == 8 and may["members"] == 8
    assert june["members"] == 7
    assert [m["members"] for m in months] == [8, 8, 8, 7]
    assert [m["joins"] for m in months] == [8, 0, 0, 0]


def test_leaver_is_gone_from_lists_and_permissions_and_can_rejoin(app, org):
    closed = create_network(org.leader, "Personvern", "", visibility="request")
    add_member(org.leader, closed.id, org.employee.id)
    add_member(org.leader, closed.id, org.colleague.id)
    thread, _ = open_thread(org.leader, closed.id, "Samtykke", body="Hemmelig")
    db.session.commit()
    assert permissions.can_read_network(org.employee, closed)

    leave_network(org.employee, closed.id)
    remove_member(org.leader, closed.id, org.colleague.id)  # removed by a facilitator
    db.session.commit()
    for gone in (org.employee, org.colleague):
        assert row(closed, gone).left_at is not None
        assert not permissions.is_network_member(gone, closed)
        assert not permissions.can_read_network(gone, closed)
        assert closed.id not in network_ids_for_person(gone)
        with pytest.raises(DomainError):
            get_thread(gone, thread.id)
    members = [m.person_id for m in list_members(org.leader, closed.id)]
    assert members == [org.leader.id]
    assert active_member_ids(closed.id) == [org.leader.id]
    with pytest.raises(DomainError):
        leave_network(org.employee, closed.id)  # already gone

    # Asking again (a request network) reuses the row; approval makes them a member.
    first_id = row(closed, org.employee).id
    asked = join_network(org.employee, closed.id)
    assert (asked.id, asked.state, asked.left_at) == (first_id, "requested", None)
    approve_member(org.leader, closed.id, org.employee.id)
    # A facilitator adds the removed colleague back.
    add_member(org.leader, closed.id, org.colleague.id)
    db.session.commit()
    for back in (org.employee, org.colleague):
        assert permissions.can_read_network(back, closed)
        assert row(closed, back).left_at is None
    assert sorted(active_member_ids(closed.id)) == sorted(
        [org.leader.id, org.employee.id, org.colleague.id]
    )


def test_open_network_rejoin_and_posting_again(app, org):
    net = create_network(org.leader, "Digital hverdag", "", visibility="open")
    join_network(org.employee, net.id)
    leave_network(org.employee, net.id)
    db.session.commit()
    assert not permissions.is_network_member(org.employee, net)
    # Posting in an open network makes the leaver a member again, on the same row.
    thread, _ = open_thread(org.leader, net.id, "Velkommen", body="Hei")
    send_message(org.employee, thread.id, "c-1", "Tilbake")
    db.session.commit()
    assert permissions.is_network_member(org.employee, net)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                NetworkMember.network_id == net.id, NetworkMember.person_id == org.employee.id
            )
        )
        == 1
    )
    leave_network(org.employee, net.id)
    again = join_network(org.employee, net.id)
    assert again.state == "active" and again.left_at is None and again.role == "member"


def test_a_leaver_socket_is_refused(app, org, live_server):
    from kollega.auth.services import create_token
    from tests.networks.test_socket import Client

    closed = create_network(org.leader, "Personvern", "", visibility="request")
    add_member(org.leader, closed.id, org.employee.id)
    thread, _ = open_thread(org.leader, closed.id, "Samtykke", body="Hemmelig")
    token = create_token(org.employee, "socket-test")
    db.session.commit()
    client = Client(live_server.url, token=token)
    try:
        assert client.call("thread:join", {"thread_id": thread.id})["ok"] is True
        leave_network(org.employee, closed.id)
        db.session.commit()
        ack = client.call("thread:join", {"thread_id": thread.id, "after_seq": 0})
        assert ack["ok"] is False and "messages" not in ack
        ack = client.call("message:send", {"thread_id": thread.id, "client_id": "x", "body": "?"})
        assert ack["ok"] is False
        assert client.call("network:join", {"network_id": closed.id})["ok"] is False
    finally:
        client.close()
