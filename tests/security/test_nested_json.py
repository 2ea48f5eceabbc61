"""A JSON body nested deeper than Python's parser goes (``"[" * 100000``) is a 400 on
every API write, never a 500 (``RecursionError`` in the parser), and changes nothing."""

from __future__ import annotations

import re
from typing import Any

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.security.world import build_world

DEEP = "[" * 100_000
DEEP_OBJECT = '{"a":' * 50_000


def _write_rules(app: Any) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            rules.append((method, rule.rule))
    return rules


def test_deeply_nested_json_is_a_400_on_every_api_write(app, client, org):
    build_world(org)
    token = create_token(org.leader, "nested")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rules = _write_rules(app)
    assert len(rules) >= 30
    for method, rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule)
        for body in (DEEP, DEEP_OBJECT):
            response = client.open(path, method=method, data=body, headers=headers)
            assert response.status_code == 400, (method, path, response.status_code)
            error = response.get_json()["error"]
            assert error["code"] == "bad_request" and error["message"], (method, path, error)


def test_the_refusal_is_translated(client, org):
    token = create_token(org.employee, "nested")
    db.session.commit()
    response = client.post(
        "/api/v1/networks",
        data=DEEP,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert (
        response.get_json()["error"]["message"] == "Innholdet i forespørselen er nøstet for dypt."
    )
