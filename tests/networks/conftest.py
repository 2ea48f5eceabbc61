"""Fixtures for learning networks: an open, a request-only and an invite-only network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kollega.extensions import db
from kollega.networks.invitations import invite_guest
from kollega.networks.members import add_member
from kollega.networks.models import Network, Thread
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread


@dataclass
class Nets:
    open: Network
    request: Network
    invite: Network
    open_thread: Thread
    closed_thread: Thread
    invite_thread: Thread


@pytest.fixture
def nets(org: Any) -> Nets:
    """The leader facilitates three networks; the employee and the guest are members of
    the request-only one (the guest invited by e-mail), the colleague of the invite-only
    one; nobody else belongs anywhere."""
    lead = org.leader
    open_net = create_network(lead, "Digital hverdag", "Åpent nettverk", visibility="open")
    request_net = create_network(lead, "Personvern i skolen", "", visibility="request")
    invite_net = create_network(lead, "Ledernettverk", "", kind="leaders", visibility="invite")
    add_member(lead, request_net.id, org.employee.id)
    add_member(lead, invite_net.id, org.colleague.id)
    member = invite_guest(lead, request_net.id, org.guest.email, org.guest.name)
    assert member.person_id == org.guest.id
    welcome, _ = open_thread(lead, open_net.id, "Velkommen", body="Hei alle!")
    closed_thread, _ = open_thread(lead, request_net.id, "Samtykke", body="Hemmelig innhold")
    invite_thread, _ = open_thread(lead, invite_net.id, "Budsjett", body="Kun ledere")
    db.session.commit()
    return Nets(open_net, request_net, invite_net, welcome, closed_thread, invite_thread)
