"""The demo networks: enough of them, members, gap-free threads, the fixed sign-ins."""

from __future__ import annotations

import sqlalchemy as sa

from kollega import permissions
from kollega.extensions import db
from kollega.networks.models import Message, Network, NetworkMember, Thread
from kollega.networks.networks import list_networks
from kollega.networks.reads import unread_counts
from kollega.networks.search import search_messages
from kollega.org.models import Person


def test_seed_demo_builds_networks(runner):
    result = runner("seed", "demo", "--employees", "80")
    assert result.exit_code == 0, result.output
    assert "fasilitator.nettverk@demo.kollega.no" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Network)) >= 40
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) >= 500
    # Every thread's seqs are 1..last_seq.
    rows = db.session.execute(
        sa.select(Thread.id, Thread.last_seq, sa.func.count(Message.id), sa.func.max(Message.seq))
        .join(Message, Message.thread_id == Thread.id)
        .group_by(Thread.id, Thread.last_seq)
    ).all()
    assert rows and all(last == count == top for _, last, count, top in rows)
    guest = db.session.scalar(sa.select(Person).where(Person.email == "gjest@demo.kollega.no"))
    assert [n.network.name for n in list_networks(guest)] == ["Innbyggermedvirkning i planarbeid"]
    facilitator = db.session.scalar(
        sa.select(Person).where(Person.email == "fasilitator.nettverk@demo.kollega.no")
    )
    home_care = db.session.scalar(
        sa.select(Network).where(Network.name == "Digital hverdag i hjemmetjenesten")
    )
    assert permissions.is_facilitator(facilitator, home_care)
    employee = db.session.scalar(sa.select(Person).where(Person.email == "ansatt@demo.kollega.no"))
    assert unread_counts(employee)
    assert search_messages(employee, "samtykke")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(NetworkMember)
            .where(NetworkMember.guest.is_(True))
        )
        == 1
    )
