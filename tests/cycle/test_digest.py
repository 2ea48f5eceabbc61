"""The e-mail digest honours the networks' daily/weekly setting and goes out once."""

from __future__ import annotations

import email
from pathlib import Path

from kollega.cycle import jobs
from kollega.extensions import db
from tests.cycle.helpers import utc


def outbox(app) -> list[email.message.Message]:  # type: ignore[no-untyped-def]
    folder = Path(app.instance_path) / "outbox"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_daily_digest_once_per_day_and_only_with_something_unread(app, org):
    from kollega.networks.members import join_network
    from kollega.networks.networks import create_network
    from kollega.networks.notifications import set_email_digest
    from kollega.networks.threads import open_thread

    app.config["SMTP_HOST"] = ""
    network = create_network(org.leader, "Lesing", "", visibility="open")
    join_network(org.colleague, network.id)
    join_network(org.employee, network.id)
    set_email_digest(org.colleague, "daily")
    set_email_digest(org.employee, "never")
    open_thread(org.leader, network.id, "Hei", "discussion", "Velkommen alle")
    db.session.commit()
    # 2027-01-05 is a Tuesday: before 07:00 Oslo nothing daily goes out.
    assert jobs.send_digests(utc(2027, 1, 5, 5, 30)) == 0
    assert jobs.send_digests(utc(2027, 1, 5, 6, 5)) == 1  # 07:05 in Oslo
    assert jobs.send_digests(utc(2027, 1, 5, 6, 6)) == 0
    mails = outbox(app)
    assert [m["To"] for m in mails] == [org.colleague.email]
    assert "0 varsler, 1 meldinger" in mails[0].get_payload(decode=True).decode()
    # The next day again (still unread), never for the one who chose "never".
    assert jobs.send_digests(utc(2027, 1, 6, 9)) == 1
    assert {m["To"] for m in outbox(app)} == {org.colleague.email}
