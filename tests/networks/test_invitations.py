"""Invitations: a guest invited by e-mail gets a single-use, expiring link, sets a
password on a translated page and is signed in (and sees that network only); people
invited or proposed to a network get an in-app "invite" notification."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks.invitations import invite_guest_with_link
from kollega.networks.members import add_member, network_ids_for_person
from kollega.networks.models import GuestInvitation, Notification
from kollega.networks.networks import create_network
from kollega.networks.notifications import unread_notification_count
from kollega.networks.threads import open_thread
from kollega.org.models import Person
from tests.conftest import login

LINK = re.compile(r"http://localhost(/invitations/[A-Za-z0-9_\-]+)")
PASSWORD = "et langt gjestepassord"


def _mails(app: Any) -> list[email.message.EmailMessage]:
    folder = Path(app.instance_path) / "outbox"
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in files
    ]


def _invite(client: Any, network_id: int, address: str, name: str) -> str:
    """Invite by the network page's form; the path of the link in the newest mail."""
    r = client.post(f"/networks/{network_id}/invite", data={"email": address, "name": name})
    assert r.status_code == 302
    mail = _mails(client.application)[-1]
    assert mail["To"] == address
    body = mail.get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(1)


@pytest.fixture
def two_nets(org: Any) -> tuple[Any, Any]:
    mine = create_network(org.leader, "Innbyggermedvirkning i planarbeid", visibility="request")
    other = create_network(org.leader, "Ledernettverk helse", visibility="open")
    open_thread(org.leader, other.id, "Åpen tråd", body="For ansatte")
    db.session.commit()
    return mine, other


def test_guest_follows_the_mailed_link_sets_a_password_and_sees_only_that_network(
    client: Any, app: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    mine, other = two_nets
    login(client, org.leader)
    path = _invite(client, mine.id, "nina@example.org", "Nina Nabo")
    mail = _mails(app)[-1]
    assert "Innbyggermedvirkning i planarbeid" in mail["Subject"]
    assert "Lise Leder" in mail.get_content()
    client.post("/logout")

    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Velg et passord" in html and "nina@example.org" in html
    # Too short, then two different passwords: refused, nothing set, not signed in.
    r = client.post(path, data={"password": "kort", "repeat": "kort"})
    assert r.status_code == 422 and "minst 12 tegn" in r.get_data(as_text=True)
    r = client.post(path, data={"password": PASSWORD, "repeat": PASSWORD + "x"})
    assert r.status_code == 422
    guest = db.session.scalar(sa.select(Person).where(Person.email == "nina@example.org"))
    assert guest is not None and guest.password_hash is None and guest.is_guest
    assert client.get("/networks").status_code == 302  # still signed out

    r = client.post(path, data={"password": PASSWORD, "repeat": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/networks/{mine.id}")
    listing = client.get("/networks").get_data(as_text=True)
    assert "Innbyggermedvirkning i planarbeid" in listing
    assert "Ledernettverk helse" not in listing
    assert client.get(f"/networks/{mine.id}").status_code == 200
    assert client.get(f"/networks/{other.id}").status_code == 404

    # The link worked once.
    client.post("/logout")
    used = client.get(path)
    assert used.status_code == 410
    assert "har gått ut eller er brukt" in used.get_data(as_text=True)
    assert client.post(path, data={"password": PASSWORD, "repeat": PASSWORD}).status_code == 410
    # Afterwards the guest signs in as everyone does.
    login(client, guest, PASSWORD)
    assert client.get(f"/networks/{mine.id}").status_code == 200


def test_inviting_again_sends_a_fresh_link_and_voids_the_old_one(
    client: Any, app: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    mine, _ = two_nets
    login(client, org.leader)
    first = _invite(client, mine.id, "nina@example.org", "Nina Nabo")
    second = _invite(client, mine.id, "nina@example.org", "Nina Nabo")
    assert first != second and len(_mails(app)) == 2
    client.post("/logout")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    # An expired link is refused the same way; an unknown one is not found.
    db.session.execute(sa.update(GuestInvitation).values(expires_at=now_utc() - dt.timedelta(1)))
    db.session.commit()
    expired = client.get(second)
    assert expired.status_code == 410 and "gått ut" in expired.get_data(as_text=True)
    assert client.get("/invitations/not-a-real-token").status_code == 404
    assert (
        db.session.scalar(sa.select(Person.password_hash).where(Person.email == "nina@example.org"))
        is None
    )


def test_api_invitation_mails_a_link_and_a_guest_with_a_password_gets_a_plain_one(
    client: Any, app: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    from tests.gaps import data

    mine, other = two_nets
    r = client.post(
        f"/api/v1/networks/{mine.id}/members",
        json={"email": "ali@example.org", "name": "Ali Partner"},
        headers=data.bearer(org.leader),
    )
    assert r.status_code == 201
    assert LINK.search(_mails(app)[-1].get_content())
    # Gro Gjest already has a password: no new link, a link to the network instead.
    add_member(org.leader, other.id, org.leader.id)
    r = client.post(
        f"/api/v1/networks/{other.id}/members",
        json={"email": org.guest.email, "name": org.guest.name},
        headers=data.bearer(org.leader),
    )
    assert r.status_code == 201
    body = _mails(app)[-1].get_content()
    assert not LINK.search(body) and f"/networks/{other.id}" in body
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(GuestInvitation.person_id == org.guest.id)
        )
        == 0
    )


def test_an_invited_member_is_notified_and_sees_it_in_the_list(
    client: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    mine, _ = two_nets
    add_member(org.leader, mine.id, org.employee.id, invite=True)
    add_member(org.leader, mine.id, org.colleague.id)  # added at once: no invitation
    db.session.commit()
    kinds = db.session.execute(sa.select(Notification.person_id, Notification.kind)).all()
    assert [(pid, kind) for pid, kind in kinds if kind == "invite"] == [(org.employee.id, "invite")]
    login(client, org.employee)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Lise Leder inviterte deg til Innbyggermedvirkning i planarbeid" in html
    # Accepting is joining.
    assert client.post(f"/networks/{mine.id}/join").status_code == 302
    assert network_ids_for_person(org.employee) == [mine.id]


def test_a_bogus_notification_kind_is_refused_by_the_schema(org: Any) -> None:
    db.session.add(Notification(person_id=org.employee.id, kind="bogus", link=""))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_people_proposed_for_a_gap_network_are_notified(client: Any, org: Any) -> None:
    from tests.gaps import data

    since = (dt.date.today() - dt.timedelta(days=300)).isoformat()
    dc = data.competence("dc:9", "digital", "Digital dømmekraft")
    data.requirement(dc, 2, unit=org.root, since=since)
    db.session.commit()
    hr = data.bearer(org.hr)
    body = client.get("/api/v1/gaps/suggestions?unit=K", headers=hr).get_json()
    (proposal,) = [p for p in body["suggestions"] if p["type"] == "new_network"]
    members = set(proposal["proposed_members"]) - {org.hr.id}
    created = client.post(
        "/api/v1/gaps/networks", json={"unit": "K", "competence": "dc:9"}, headers=hr
    )
    assert created.status_code == 201
    network_id = created.get_json()["id"]
    rows = db.session.execute(
        sa.select(Notification.person_id, Notification.actor_id).where(
            Notification.kind == "invite", Notification.network_id == network_id
        )
    ).all()
    assert sorted(pid for pid, _ in rows) == sorted(members)  # each once
    assert {actor for _, actor in rows} == {org.hr.id}
    someone = db.session.get(Person, next(iter(members)))
    assert unread_notification_count(someone) == 1


def test_a_link_is_no_password_reset(client: Any, org: Any, two_nets: tuple[Any, Any]) -> None:
    from kollega.auth.services import set_password

    mine, _ = two_nets
    invite = invite_guest_with_link(org.leader, mine.id, "nina@example.org", "Nina Nabo")
    assert invite.token is not None
    set_password(invite.guest, PASSWORD)  # e.g. by an administrator
    db.session.commit()
    assert client.get(f"/invitations/{invite.token}").status_code == 410


# --- consent: "Legg til" invites; people are told when they are let in or made facilitator


def _kinds(person: Person, network_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.person_id == person.id, Notification.network_id == network_id)
            .order_by(Notification.id)
        )
    )


def test_add_invites_and_accepting_joins_and_tells_the_inviter(
    client: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    mine, _ = two_nets
    login(client, org.leader)
    r = client.post(
        f"/networks/{mine.id}/invite", data={"email": org.colleague.email}, follow_redirects=True
    )
    assert r.status_code == 200 and "er invitert" in r.get_data(as_text=True)
    db.session.expire_all()
    assert mine.id not in network_ids_for_person(org.colleague)  # not a member yet
    assert _kinds(org.colleague, mine.id) == ["invite"]
    client.post("/logout")
    login(client, org.colleague)
    page = client.get(f"/networks/{mine.id}").get_data(as_text=True)
    assert "Takk ja til invitasjonen" in page
    assert client.post(f"/networks/{mine.id}/join").status_code == 302
    db.session.expire_all()
    assert mine.id in network_ids_for_person(org.colleague)
    assert _kinds(org.leader, mine.id) == ["invite_accepted"]
    client.post("/logout")
    login(client, org.leader)
    html = client.get("/notifications").get_data(as_text=True)
    assert f"{org.colleague.name} takket ja til invitasjonen til {mine.name}" in html


def test_declining_leaves_nothing(client: Any, org: Any, two_nets: tuple[Any, Any]) -> None:
    mine, _ = two_nets
    login(client, org.leader)
    client.post(f"/networks/{mine.id}/invite", data={"email": org.colleague.email})
    client.post("/logout")
    login(client, org.colleague)
    assert client.post(f"/networks/{mine.id}/leave").status_code == 302
    db.session.expire_all()
    assert mine.id not in network_ids_for_person(org.colleague)
    assert _kinds(org.leader, mine.id) == []
    from kollega.networks.models import NetworkMember

    assert (
        db.session.scalar(
            sa.select(NetworkMember).where(
                NetworkMember.network_id == mine.id, NetworkMember.person_id == org.colleague.id
            )
        )
        is None
    )


def test_the_api_add_answers_202_invited(client: Any, org: Any, two_nets: tuple[Any, Any]) -> None:
    from tests.networks.test_api import bearer

    mine, _ = two_nets
    r = client.post(
        f"/api/v1/networks/{mine.id}/members",
        json={"person_id": org.colleague.id, "invite": False},
        headers=bearer(org.leader),
    )
    assert r.status_code == 202 and r.get_json()["status"] == "invited"
    db.session.expire_all()
    assert mine.id not in network_ids_for_person(org.colleague)
    # joining oneself stays 201
    r = client.post(f"/api/v1/networks/{mine.id}/members", json={}, headers=bearer(org.colleague))
    assert r.status_code == 201 and r.get_json()["status"] == "member"


def test_approved_and_made_facilitator_are_told(
    client: Any, org: Any, two_nets: tuple[Any, Any]
) -> None:
    mine, _ = two_nets
    login(client, org.colleague)
    client.post(f"/networks/{mine.id}/join")  # asks (request-only network)
    client.post("/logout")
    login(client, org.leader)
    r = client.post(f"/networks/{mine.id}/members/{org.colleague.id}/approve")
    assert r.status_code == 302
    db.session.expire_all()
    assert _kinds(org.colleague, mine.id) == ["approved"]
    r = client.post(
        f"/networks/{mine.id}/members/{org.colleague.id}/role", data={"role": "facilitator"}
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert _kinds(org.colleague, mine.id) == ["approved", "made_facilitator"]
    client.post("/logout")
    login(client, org.colleague)
    html = client.get("/notifications").get_data(as_text=True)
    assert f"Du er nå medlem av {mine.name}" in html
    assert f"{org.leader.name} gjorde deg til fasilitator i {mine.name}" in html
    # the e-mail digest (cycle.digest) lists the same wording
    from kollega.networks.public import unread_notifications

    texts = [text for text, _link in unread_notifications(org.colleague)]
    assert f"Du er nå medlem av {mine.name}" in texts
    assert f"{org.leader.name} gjorde deg til fasilitator i {mine.name}" in texts


def test_adding_a_member_again_says_so(client: Any, org: Any, nets: Any) -> None:
    from tests.networks.test_api import bearer

    login(client, org.leader)
    r = client.post(
        f"/networks/{nets.request.id}/invite",
        data={"email": org.employee.email},
        follow_redirects=True,
    )
    assert f"{org.employee.name} er allerede medlem." in r.get_data(as_text=True)
    client.post("/logout")  # the API with a bearer token only
    r = client.post(
        f"/api/v1/networks/{nets.request.id}/members",
        json={"person_id": org.employee.id},
        headers=bearer(org.leader),
    )
    assert r.status_code == 409
