"""``PATCH /api/v1/networks/{id}`` checks target competences against the register as the
settings page does (one check, ``networks.registered_codes``), refuses translated and
changes nothing; a rename or an archive is told live to the network's room
(``network:updated``) once it is committed (issue #20)."""

from __future__ import annotations

import pytest

from kollega import realtime
from kollega.extensions import db
from kollega.networks.models import Network
from kollega.networks.networks import archive_network, update_network
from tests.networks.test_api import bearer
from tests.networks.test_settings import register  # noqa: F401 (the fixture)
from tests.networks.test_socket import clients  # noqa: F401 (the fixture)


def _row(network_id: int) -> Network:
    db.session.expire_all()
    return db.session.get(Network, network_id)


def test_patch_takes_registered_competences(client, org, nets, register):  # noqa: F811
    h = bearer(org.leader)
    r = client.patch(
        f"/api/v1/networks/{nets.request.id}",
        json={"target_competences": ["digcomp-2.2:4.2", "digcomp-2.2:1.1"]},
        headers=h,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["target_competences"] == ["digcomp-2.2:4.2", "digcomp-2.2:1.1"]
    assert _row(nets.request.id).target_competences == ["digcomp-2.2:4.2", "digcomp-2.2:1.1"]


@pytest.mark.parametrize(
    "lang, message",
    [
        ("nb", "Finnes ikke i kompetanseregisteret: digcomp-2.2:9.9"),
        ("en", "Not in the competence register: digcomp-2.2:9.9"),
    ],
)
def test_patch_refuses_an_unknown_code_and_changes_nothing(
    client,
    org,
    nets,
    register,  # noqa: F811
    lang,
    message,
):
    before = _row(nets.request.id)
    state = (before.name, before.purpose, before.target_competences)
    org.leader.locale = lang  # the API speaks the person's language
    db.session.commit()
    h = bearer(org.leader)
    r = client.patch(
        f"/api/v1/networks/{nets.request.id}",
        json={
            "name": "Nytt navn",
            "purpose": "Ny beskrivelse",
            "target_competences": ["digcomp-2.2:4.2", "digcomp-2.2:9.9"],
        },
        headers=h,
    )
    assert r.status_code == 422, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["fields"]["target_competences"] == message
    assert message in error["message"]
    after = _row(nets.request.id)
    assert (after.name, after.purpose, after.target_competences) == state
    # A bad field beside a good one: both named, nothing stored.
    r = client.patch(
        f"/api/v1/networks/{nets.request.id}",
        json={"name": "", "target_competences": "digcomp-2.2:9.9"},
        headers=h,
    )
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"name", "target_competences"}
    assert _row(nets.request.id).name == state[0]
    # A taken name is refused as on the settings page.
    r = client.patch(
        f"/api/v1/networks/{nets.request.id}", json={"name": "digital HVERDAG"}, headers=h
    )
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]


def test_a_rename_or_archive_queues_one_network_updated(app, org, nets):
    room = realtime.network_room(nets.request.id)
    update_network(org.leader, nets.request.id, name="Nytt navn", purpose="x")
    update_network(org.leader, nets.request.id, name="Nyere navn")
    assert realtime.pending().count((room, "network:updated")) == 1
    db.session.rollback()
    assert realtime.pending() == []
    # No rename: nothing to tell.
    update_network(org.leader, nets.request.id, purpose="Bare formålet")
    assert (room, "network:updated") not in realtime.pending()
    archive_network(org.leader, nets.request.id)
    assert (room, "network:updated") in realtime.pending()
    db.session.rollback()


def test_network_updated_reaches_the_networks_room(live_server, clients, org, nets):  # noqa: F811
    member = clients(org.employee)
    outsider = clients(org.colleague)  # not in the request-only network
    assert member.call("network:join", {"network_id": nets.request.id})["ok"]
    assert not outsider.call("network:join", {"network_id": nets.request.id})["ok"]
    update_network(org.leader, nets.request.id, name="Personvern og samtykke")
    db.session.commit()
    got = member.wait_for("network:updated")
    assert got == {
        "network_id": nets.request.id,
        "name": "Personvern og samtykke",
        "status": "active",
    }
    archive_network(org.leader, nets.request.id)
    db.session.commit()
    got = member.wait_for("network:updated")
    assert got["status"] == "archived" and got["name"] == "Personvern og samtykke"
    with pytest.raises(AssertionError):
        outsider.wait_for("network:updated", timeout=0.5)
