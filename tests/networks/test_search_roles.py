"""What each role of the authorization matrix finds with ``GET /api/v1/search`` and on the
search page, in the matrix's world (tests/security/world.py): side A's request-only
network, side B's invite-only one, and an open network. No role reads a closed network by
virtue of its role; a guest finds only their own network's content."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kollega.extensions import db
from kollega.networks.models import Thread
from kollega.networks.send import send_message
from tests.conftest import login
from tests.security.world import ROLES, build_world

# Which networks' content each role finds: a = side A, b = side B, o = the open network.
FINDS = {
    "employee": "ao",
    "employee_other": "bo",
    "facilitator": "ao",
    "leader": "ao",
    "leader_other": "bo",
    "hr": "o",
    "admin": "o",
    "guest": "a",
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_only_what_it_may_read(app: Any, org: Any, role: str) -> None:
    world = build_world(org)
    open_thread = db.session.get(Thread, world.open_thread_id)  # type: ignore[attr-defined]
    send_message(org.leader, open_thread.id, "search-o", "Hemmelig innhold finnes ikke her")
    db.session.commit()
    networks = {
        "a": world.own["network_id"],
        "b": world.foreign["network_id"],
        "o": open_thread.network_id,
    }
    client = app.test_client()
    person = world.people[role]
    if person is None:
        assert client.get("/api/v1/search?q=hemmelig").status_code == 401
        assert client.get("/networks/search?q=hemmelig").status_code == 302
        return
    login(client, person)
    expected = {networks[c] for c in FINDS[role]}
    body = client.get("/api/v1/search?q=hemmelig+innhold").get_json()
    assert {h["network_id"] for h in body["results"]} == expected
    assert body["total"] == len(expected) == len(body["results"])
    # Naming a network one may not read finds nothing (and says nothing about it).
    for side, network_id in networks.items():
        got = client.get(f"/api/v1/search?q=hemmelig&network={network_id}").get_json()
        assert (got["total"] > 0) is (side in FINDS[role]), side
    # The page says the same total, and offers only the networks one may read.
    html = client.get("/networks/search?q=hemmelig+innhold").get_data(as_text=True)
    assert f"{len(expected)} treff" in html
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', html)}
    assert offered == expected
