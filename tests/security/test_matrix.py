"""The authorization matrix: every URL rule, API operation and Socket.IO event against
every role, with side A's ids (the caller's own, for side-A roles) and side B's (foreign
to side A). A route or event without an entry in tests/security/policy.py fails."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from tests.conftest import login
from tests.security import matrix
from tests.security.policy import POLICY, SOCKET_POLICY
from tests.security.world import ROLES, build_world


def test_every_route_and_event_has_a_policy(app: Any) -> None:
    from kollega.extensions import socketio

    keys = {matrix.op_key(*op) for op in matrix.operations(app)}
    missing = sorted(keys - set(POLICY))
    stale = sorted(set(POLICY) - keys)
    assert not missing, "routes without an entry in tests/security/policy.py:\n" + "\n".join(
        missing
    )
    assert not stale, "policy entries for routes that no longer exist:\n" + "\n".join(stale)
    events = set(matrix.socket_events(socketio))
    assert events == set(SOCKET_POLICY), sorted(events ^ set(SOCKET_POLICY))


# Set to a path prefix to write what each role got (used to draft the policy, then reviewed).
RECORD = os.environ.get("KOLLEGA_MATRIX_RECORD")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_matrix(app: Any, org: Any, role: str) -> None:
    world = build_world(org)
    person = world.people[role]
    client = app.test_client()
    caller_id = person.id if person is not None else org.employee.id
    if person is not None:
        login(client, person)
    index = ROLES.index(role)
    wrong = []
    checked = 0
    for variant in ("A", "B"):
        # Sockets first: the HTTP run ends with destructive writes (leaving the network).
        got = matrix.run_socket(app, client, world, variant, person is not None)
        got.update(matrix.run_http(app, client, world, caller_id, variant))
        if RECORD:
            with open(f"{RECORD}-{role}-{variant}.json", "w") as fh:
                json.dump(got, fh)
        for key, outcome in got.items():
            expected = (POLICY.get(key) or SOCKET_POLICY.get(key) or {}).get(variant)
            checked += 1
            want = expected[index] if expected else "?"
            if outcome != want:
                wrong.append(f"{variant} {key}: expected {want}, got {outcome}")
    logout = client.post("/logout")
    assert logout.status_code in {302, 303, 401} or person is None, logout.status_code
    print(f"{role}: {checked} checks")
    assert not wrong, f"{role}: {len(wrong)} of {checked} differ from the policy:\n" + "\n".join(
        wrong
    )
