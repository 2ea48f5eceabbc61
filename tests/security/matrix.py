"""Run every URL rule and Socket.IO event of the app as one role; classify each answer.

Classes (one letter each, see tests/security/policy.py):
- ``A`` allowed: 2xx, or a redirect that is not to the sign-in page;
- ``V`` input refused: 400/405/409/413/422. The matrix sends empty bodies, so a write
  that validates its input before its permission answers ``V`` to everyone: the
  permission of such writes is covered by each feature's own tests;
- ``L`` sign in first: 401, or a redirect to /login;
- ``F`` forbidden: 403;
- ``N`` not found: 404 (also how kollega hides a closed network from non-members);
- ``E`` a server error (never expected).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.security.world import World

COMPETENCE_CODE_ENDPOINTS = {"competence.assess", "competence.review", "api.person_competence_put"}
FRAMEWORK_CODE_ENDPOINTS = {"competence.framework", "competence.framework_json"}
DESTRUCTIVE_WORDS = ("delete", "remove", "archive", "leave", "revoke", "cancel", "reject")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


TIMES: dict[str, float] = {}


def operations(app: Flask) -> list[tuple[str, str, Rule]]:
    """Every (endpoint, method, rule) of the app; reads first, destructive writes last,
    signing out at the very end, so one world serves a role's whole run."""
    ops = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - SKIPPED_METHODS):
            ops.append((rule.endpoint, method, rule))

    def order(op: tuple[str, str, Rule]) -> tuple[int, str, str]:
        endpoint, method, rule = op
        if endpoint == "auth.logout":
            rank = 3
        elif method in {"GET"}:
            rank = 0
        elif method == "DELETE" or any(w in endpoint for w in DESTRUCTIVE_WORDS):
            rank = 2
        else:
            rank = 1
        return rank, rule.rule, method

    return sorted(ops, key=order)


def op_key(endpoint: str, method: str, rule: Rule) -> str:
    return f"{method} {rule.rule}"


def url_for_rule(rule: Rule, values: dict[str, Any], caller_id: int) -> str:
    args: dict[str, Any] = {}
    for name in rule.arguments:
        if name == "code":
            if rule.endpoint in COMPETENCE_CODE_ENDPOINTS:
                args[name] = values["competence"]
            elif rule.endpoint in FRAMEWORK_CODE_ENDPOINTS:
                args[name] = values["framework"]
            else:
                args[name] = values["unit"]
        elif name == "person_id" and values.get(name) == "self":
            args[name] = caller_id
        elif name in values:
            args[name] = values[name]
        else:
            raise AssertionError(
                f"tests/security/world.py has no value for <{name}> in {rule.rule}: add one"
            )
    # Werkzeug builds the path the same way the app routes it.
    return rule.build(args, append_unknown=False)[1]  # type: ignore[index]


def classify(status: int, location: str | None) -> str:
    if status == 503:
        return "U"
    if status >= 500:
        return "E"
    if status == 401:
        return "L"
    if status == 403:
        return "F"
    if status == 404:
        return "N"
    if 300 <= status < 400:
        return "L" if location and "/login" in location.split("?")[0] else "A"
    if status < 300:
        return "A"
    if status in {400, 405, 409, 413, 422}:
        return "V"
    return f"?{status}"


def run_http(app: Flask, client: Any, world: World, caller_id: int, variant: str) -> dict[str, str]:
    values = world.own if variant == "A" else world.foreign
    results: dict[str, str] = {}
    for endpoint, method, rule in operations(app):
        if endpoint == "auth.logout":
            continue  # signing out is checked last, once per role
        if variant == "B" and not rule.arguments:
            continue  # the same request as in side A
        url = url_for_rule(rule, values, caller_id)
        kwargs: dict[str, Any] = {"method": method}
        if method != "GET":
            if rule.rule.startswith("/api/"):
                kwargs["json"] = {}
            else:
                kwargs["data"] = {}
        started = time.perf_counter()
        response = client.open(url, **kwargs)
        TIMES[f"{method} {url}"] = time.perf_counter() - started
        results[op_key(endpoint, method, rule)] = classify(
            response.status_code, response.headers.get("Location")
        )
    return results


SOCKET_ERRORS = {"unauthorized": "L", "forbidden": "F", "not_found": "N"}


def socket_events(socketio: Any) -> list[str]:
    """Every Socket.IO event with a handler, from the server itself."""
    names = []
    for namespace, handlers in socketio.server.handlers.items():
        for event in handlers:
            if event not in {"connect", "disconnect"}:
                names.append(f"{namespace} {event}")
    order = {"message:delete": 2, "network:leave": 1, "thread:leave": 1}
    return sorted(names, key=lambda n: (order.get(n.split()[1], 0), n))


def socket_payload(event: str, values: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "thread_id": values["thread_id"],
        "network_id": values["network_id"],
        "message_id": values["message_id"],
        "client_id": f"matrix-socket-{n}",
        "body": "Fra matrisen",
        "emoji": "👍",
        "following": True,
    }


def run_socket(
    app: Flask, client: Any, world: World, variant: str, signed_in: bool
) -> dict[str, str]:
    from kollega.extensions import socketio

    values = world.own if variant == "A" else world.foreign
    sio = socketio.test_client(app, flask_test_client=client)
    results: dict[str, str] = {}
    for n, name in enumerate(socket_events(socketio)):
        namespace, event = name.split()
        if not sio.is_connected(namespace):
            results[name] = "L"
            continue
        ack = sio.emit(event, socket_payload(event, values, n), namespace=namespace, callback=True)
        if isinstance(ack, dict) and ack.get("ok"):
            results[name] = "A"
        elif isinstance(ack, dict) and "error" in ack:
            results[name] = SOCKET_ERRORS.get(ack["error"].get("code"), "A")
        else:
            results[name] = f"?{ack!r}"
    if sio.is_connected():
        sio.disconnect()
    return results
