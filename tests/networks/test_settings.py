"""A network's settings page: facilitators and admins change name, purpose, visibility and
target competences, archive and unarchive; every refusal is translated, 422 (409 for a
state that does not allow it) and stores nothing; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from kollega.networks.models import Network
from tests.conftest import login
from tests.gaps.data import competence


@pytest.fixture
def register(org: Any) -> None:
    competence("digcomp-2.2:4.2")
    competence("digcomp-2.2:1.1")
    db.session.commit()


def _form(net: Network, **changes: str) -> dict[str, str]:
    return {
        "name": net.name,
        "purpose": net.purpose,
        "visibility": net.visibility,
        "target_competences": "",
        **changes,
    }


def _row(network_id: int) -> Network:
    db.session.expire_all()
    return db.session.get(Network, network_id)


def test_a_facilitator_changes_the_settings(client, org, nets, register):
    login(client, org.leader)
    page = client.get(f"/networks/{nets.request.id}")
    assert f'href="/networks/{nets.request.id}/settings"' in page.get_data(as_text=True)
    r = client.get(f"/networks/{nets.request.id}/settings")
    assert r.status_code == 200 and "Innstillinger for Personvern i skolen" in r.get_data(
        as_text=True
    )
    r = client.post(
        f"/networks/{nets.request.id}/settings",
        data=_form(
            nets.request,
            name="Personvern i skole og SFO",
            purpose="Samtykke, bilder og apper",
            visibility="open",
            target_competences="digcomp-2.2:4.2, digcomp-2.2:1.1",
        ),
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Innstillingene er lagret." in r.get_data(as_text=True)
    net = _row(nets.request.id)
    assert (net.name, net.purpose, net.visibility) == (
        "Personvern i skole og SFO",
        "Samtykke, bilder og apper",
        "open",
    )
    assert net.target_competences == ["digcomp-2.2:4.2", "digcomp-2.2:1.1"]
    # the page names them as the register does
    assert "digcomp-2.2:4.2 Kompetanse digcomp-2.2:4.2" in r.get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "network.settings"))
    assert event is not None and event.actor_id == org.leader.id


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": ""}, "name", "Gi nettverket et navn."),
        ({"name": "Digital hverdag"}, "name", "Det finnes allerede et nettverk med dette navnet."),
        ({"visibility": "secret"}, "visibility", "Velg én av: open, request, invite."),
        (
            {"target_competences": "digcomp-2.2:9.9"},
            "target_competences",
            "Finnes ikke i kompetanseregisteret: digcomp-2.2:9.9",
        ),
        ({"target_competences": "ikke en kode"}, "target_competences", "Ikke en kompetansekode"),
        ({"purpose": "x" * 5001}, "purpose", "5000"),
    ],
)
def test_bad_input_is_refused_translated_and_nothing_is_stored(
    client, org, nets, register, changes, field, message
):
    login(client, org.leader)
    before = (nets.request.name, nets.request.purpose, nets.request.visibility)
    data = _form(nets.request, **{"purpose": "Ny beskrivelse", **changes})
    r = client.post(f"/networks/{nets.request.id}/settings", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html or f'id="{field}-error"' in html
    net = _row(nets.request.id)
    assert (net.name, net.purpose, net.visibility) == before


def test_archive_and_unarchive(client, org, nets):
    login(client, org.leader)
    url = f"/networks/{nets.request.id}/settings/status"
    assert client.post(url, data={"archived": "1"}).status_code == 302
    assert _row(nets.request.id).status == "archived"
    # an archived network's settings are read-only until it is back
    r = client.post(f"/networks/{nets.request.id}/settings", data=_form(nets.request, name="X"))
    assert r.status_code == 422 and "Hent det fram igjen" in r.get_data(as_text=True)
    assert _row(nets.request.id).name == "Personvern i skolen"
    assert client.post(url, data={"archived": "1"}).status_code == 409
    assert client.post(url, data={"archived": "maybe"}).status_code == 422
    assert client.post(url, data={"archived": "0"}).status_code == 302
    net = _row(nets.request.id)
    assert net.status == "active" and net.archived_at is None


@pytest.mark.parametrize(
    "who, status",
    [
        ("employee", 403),  # a member, not a facilitator
        ("other_employee", 403),  # knows of the request-only network
        ("hr", 403),
        ("guest", 403),
        ("other_leader", 403),
    ],
)
def test_others_are_refused(client, org, nets, who, status):
    login(client, getattr(org, who))
    assert client.get(f"/networks/{nets.request.id}/settings").status_code == status
    r = client.post(
        f"/networks/{nets.request.id}/settings", data=_form(nets.request, name="Kapret")
    )
    assert r.status_code == status
    r = client.post(f"/networks/{nets.request.id}/settings/status", data={"archived": "1"})
    assert r.status_code == status
    net = _row(nets.request.id)
    assert net.name == "Personvern i skolen" and net.status == "active"


def test_an_outsider_does_not_learn_that_an_invite_only_network_exists(client, org, nets):
    login(client, org.employee)
    assert client.get(f"/networks/{nets.invite.id}/settings").status_code == 404


def test_an_admin_may_change_settings_but_not_read_the_threads(client, org, nets):
    login(client, org.admin)
    assert client.get(f"/networks/{nets.invite.id}/settings").status_code == 200
    r = client.post(
        f"/networks/{nets.invite.id}/settings",
        data=_form(nets.invite, purpose="Ledere i helse"),
    )
    assert r.status_code == 302
    assert _row(nets.invite.id).purpose == "Ledere i helse"
    assert client.get(f"/threads/{nets.invite_thread.id}").status_code in (403, 404)
