"""The networks API: DESIGN.md's paths, statuses and shapes, and each role against them."""

from __future__ import annotations

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db


def bearer(person) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = create_token(person, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_create_list_and_join(client, org):
    h = bearer(org.leader)
    r = client.post(
        "/api/v1/networks",
        json={"name": "Innbyggermedvirkning i planarbeid", "purpose": "P", "visibility": "request"},
        headers=h,
    )
    assert r.status_code == 201
    created = r.get_json()
    assert {"id", "name", "visibility"} <= set(created) and created["status"] == "active"
    nid = created["id"]
    names = [n["name"] for n in client.get("/api/v1/networks", headers=h).get_json()]
    assert "Innbyggermedvirkning i planarbeid" in names
    e = bearer(org.employee)
    r = client.post(f"/api/v1/networks/{nid}/members", json={}, headers=e)
    assert r.status_code == 202 and r.get_json()["state"] == "requested"
    # Members of a closed network only: the asker cannot read yet.
    assert client.get(f"/api/v1/networks/{nid}/threads", headers=e).status_code == 403
    r = client.patch(
        f"/api/v1/networks/{nid}/members/{org.employee.id}", json={"state": "active"}, headers=h
    )
    assert r.status_code == 200
    assert client.get(f"/api/v1/networks/{nid}/threads", headers=e).status_code == 200
    # A facilitator "adds" someone: with consent, an invitation (202) they accept.
    r = client.post(
        f"/api/v1/networks/{nid}/members", json={"person_id": org.colleague.id}, headers=h
    )
    assert r.status_code == 202 and r.get_json()["status"] == "invited"
    assert r.get_json()["state"] == "invited"
    # A non-facilitator cannot add people.
    r = client.post(
        f"/api/v1/networks/{nid}/members", json={"person_id": org.employee_a1.id}, headers=e
    )
    assert r.status_code == 403


def test_join_open_is_201_invite_only_is_404_for_outsiders(client, org, nets):
    h = bearer(org.other_employee)
    assert client.post(f"/api/v1/networks/{nets.open.id}/members", headers=h).status_code == 201
    assert (
        client.post(f"/api/v1/networks/{nets.invite.id}/members", json={}, headers=h).status_code
        == 404
    )
    assert client.get(f"/api/v1/networks/{nets.invite.id}", headers=h).status_code == 404


def test_messages_send_retry_and_replay(client, org, nets):
    h = bearer(org.employee)
    tid = nets.closed_thread.id
    r = client.post(
        f"/api/v1/threads/{tid}/messages", json={"client_id": "abc-1", "body": "Hei"}, headers=h
    )
    assert r.status_code == 201
    first = r.get_json()
    assert first == {"id": first["id"], "seq": 2}
    r = client.post(
        f"/api/v1/threads/{tid}/messages", json={"client_id": "abc-1", "body": "Hei"}, headers=h
    )
    assert r.status_code == 200 and r.get_json() == first
    r = client.get(f"/api/v1/threads/{tid}/messages?after_seq=1", headers=h)
    messages = r.get_json()["messages"]
    assert [m["seq"] for m in messages] == [2]
    m = messages[0]
    assert {"id", "seq", "client_id", "author", "body_html", "created_at"} <= set(m)
    assert m["author"] == {"id": org.employee.id, "name": org.employee.name}
    assert m["body_html"] == "<p>Hei</p>" and m["client_id"] == "abc-1"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"body": "uten id"},
        {"client_id": "x y", "body": "mellomrom"},
        {"client_id": "ok", "body": ""},
        {"client_id": "ok", "body": 12},
        {"client_id": "ok", "body": "x" * 10_001},
        {"client_id": "ok", "body": "hei", "reply_to": "nei"},
        {"client_id": "ok", "body": "hei", "reply_to": 999999},
    ],
)
def test_bad_message_bodies_are_4xx_and_change_nothing(client, org, nets, payload):
    h = bearer(org.employee)
    tid = nets.closed_thread.id
    kwargs = {"json": payload} if payload is not None else {"data": "not json"}
    r = client.post(f"/api/v1/threads/{tid}/messages", headers=h, **kwargs)
    assert 400 <= r.status_code < 500, r.data
    error = r.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    messages = client.get(f"/api/v1/threads/{tid}/messages", headers=h).get_json()["messages"]
    assert [m["seq"] for m in messages] == [1]


def test_errors_are_translated(client, org, nets):
    r = client.post(
        f"/api/v1/threads/{nets.closed_thread.id}/messages",
        json={"client_id": "x y", "body": "hei"},
        headers=bearer(org.employee),
    )
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["client_id"].startswith("client_id må")


@pytest.mark.parametrize(
    "who, status",
    [
        ("employee", 200),
        ("guest", 200),
        ("colleague", 403),
        ("hr", 403),
        ("admin", 403),
        ("other_leader", 403),
    ],
)
def test_closed_network_messages_by_role(client, org, nets, who, status):
    h = bearer(getattr(org, who))
    tid = nets.closed_thread.id
    assert client.get(f"/api/v1/threads/{tid}/messages", headers=h).status_code == status
    r = client.post(
        f"/api/v1/threads/{tid}/messages", json={"client_id": f"r-{who}", "body": "hei"}, headers=h
    )
    assert r.status_code == (201 if status == 200 else 403)
    found = client.get("/api/v1/messages/search?q=hemmelig", headers=h).get_json()["messages"]
    assert bool(found) is (status == 200)


def test_guest_sees_only_their_network(client, org, nets):
    h = bearer(org.guest)
    listed = client.get("/api/v1/networks", headers=h).get_json()
    assert [n["id"] for n in listed] == [nets.request.id]
    assert (
        client.get(f"/api/v1/threads/{nets.open_thread.id}/messages", headers=h).status_code == 404
    )
    assert (
        client.get(f"/api/v1/threads/{nets.invite_thread.id}/messages", headers=h).status_code
        == 404
    )
    r = client.post("/api/v1/networks", json={"name": "Gjest"}, headers=h)
    assert r.status_code == 403


def test_threads_open_resolve_follow(client, org, nets):
    h = bearer(org.employee)
    r = client.post(
        f"/api/v1/networks/{nets.request.id}/threads",
        json={"title": "Spørsmål om samtykke", "kind": "question", "body": "Hvordan?"},
        headers=h,
    )
    assert r.status_code == 201
    thread = r.get_json()
    assert {"id", "title", "kind"} <= set(thread) and thread["kind"] == "question"
    r = client.post(
        f"/api/v1/networks/{nets.request.id}/threads", json={"title": "", "kind": "x"}, headers=h
    )
    assert r.status_code == 422
    listed = client.get(f"/api/v1/networks/{nets.request.id}/threads", headers=h).get_json()
    assert listed[0]["id"] == thread["id"]
    r = client.patch(f"/api/v1/threads/{thread['id']}", json={"resolved": True}, headers=h)
    assert r.status_code == 200 and r.get_json()["resolved"] is True
    g = bearer(org.guest)
    r = client.patch(f"/api/v1/threads/{thread['id']}", json={"resolved": False}, headers=g)
    assert r.status_code == 403
    r = client.patch(f"/api/v1/threads/{thread['id']}", json={"following": True}, headers=g)
    assert r.status_code == 200 and r.get_json()["following"] is True
    r = client.patch(f"/api/v1/threads/{thread['id']}", json={"colour": "red"}, headers=g)
    assert r.status_code == 422


def test_edit_delete_react_read_unread(client, org, nets):
    e, lead = bearer(org.employee), bearer(org.leader)
    tid = nets.closed_thread.id
    sent = client.post(
        f"/api/v1/threads/{tid}/messages",
        json={"client_id": "m1", "body": "Hei @Lise Leder"},
        headers=e,
    ).get_json()
    assert client.get("/api/v1/me/unread", headers=lead).get_json()["notifications"] == 1
    assert client.get("/api/v1/me/unread", headers=lead).get_json()["threads"] == {str(tid): 1}
    r = client.patch(f"/api/v1/messages/{sent['id']}", json={"body": "Hei igjen"}, headers=e)
    assert r.status_code == 200 and r.get_json()["edited_at"]
    assert (
        client.patch(f"/api/v1/messages/{sent['id']}", json={"body": "x"}, headers=lead).status_code
        == 403
    )
    assert (
        client.get(f"/api/v1/messages/{sent['id']}/history", headers=e).get_json()[0]["body"]
        == "Hei @Lise Leder"
    )
    r = client.post(f"/api/v1/messages/{sent['id']}/reactions", json={"emoji": "👍"}, headers=lead)
    assert r.get_json()["reactions"][0]["count"] == 1
    r = client.post(
        f"/api/v1/messages/{sent['id']}/reactions", json={"emoji": "💩💩"}, headers=lead
    )
    assert r.status_code == 422
    r = client.post(f"/api/v1/threads/{tid}/read", json={}, headers=lead)
    assert r.get_json() == {
        "thread_id": tid,
        "last_read_seq": 2,
        "unread": 0,
        "notifications": 0,
    }
    assert client.get("/api/v1/me/unread", headers=lead).get_json() == {
        "threads": {},
        "notifications": 0,
    }
    r = client.delete(f"/api/v1/messages/{sent['id']}", headers=e)
    assert r.status_code == 200 and r.get_json()["deleted"] is True
    r = client.get(f"/api/v1/threads/{tid}/messages", headers=e).get_json()["messages"]
    assert [(m["seq"], m["deleted"], m["body_html"]) for m in r] == [
        (1, False, "<p>Hemmelig innhold</p>"),
        (2, True, ""),
    ]


def test_guest_invited_by_email_and_proposals(client, org, nets):
    h = bearer(org.leader)
    r = client.post(
        f"/api/v1/networks/{nets.open.id}/members",
        json={"email": "innbygger@example.org", "name": "Ida Innbygger"},
        headers=h,
    )
    assert r.status_code == 201 and r.get_json()["guest"] is True
    r = client.post(
        f"/api/v1/networks/{nets.open.id}/members",
        json={"email": "ikke-epost", "name": "X"},
        headers=h,
    )
    assert r.status_code == 422
    e = bearer(org.employee)
    r = client.post("/api/v1/networks", json={"name": "Forslag fra ansatt"}, headers=e)
    assert r.status_code == 201 and r.get_json()["status"] == "proposed"
    nid = r.get_json()["id"]
    assert (
        client.post(f"/api/v1/networks/{nid}/approve", headers=bearer(org.admin)).status_code == 403
    )
    assert client.post(f"/api/v1/networks/{nid}/approve", headers=bearer(org.hr)).status_code == 200


def test_settings_and_notifications(client, org):
    h = bearer(org.employee)
    assert client.get("/api/v1/me/notification-settings", headers=h).get_json() == {
        "email_digest": "weekly",
        "desktop_notifications": False,
        "quiet_from": None,
        "quiet_to": None,
        "timezone": "Europe/Oslo",
    }
    r = client.put("/api/v1/me/notification-settings", json={"email_digest": "daily"}, headers=h)
    assert r.get_json()["email_digest"] == "daily"
    r = client.put("/api/v1/me/notification-settings", json={"email_digest": "hourly"}, headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/notifications", headers=h).get_json() == []
    assert client.post("/api/v1/notifications/read", json={}, headers=h).get_json() == {"marked": 0}


def test_openapi_lists_the_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/networks",
        "/networks/{network_id}/members",
        "/networks/{network_id}/threads",
        "/threads/{thread_id}/messages",
    ):
        assert path in paths


def test_sidebar_lists_my_networks_threads_and_unread(client, org, nets):
    from kollega.networks.send import send_message

    send_message(org.leader, nets.closed_thread.id, "side-1", "Nytt")
    db.session.commit()
    body = client.get("/api/v1/me/networks", headers=bearer(org.employee)).get_json()
    assert [n["name"] for n in body] == ["Personvern i skolen"]
    assert body[0]["unread"] == 2
    assert [(t["id"], t["unread"]) for t in body[0]["threads"]] == [(nets.closed_thread.id, 2)]
    guest = client.get("/api/v1/me/networks", headers=bearer(org.guest)).get_json()
    assert [n["id"] for n in guest] == [nets.request.id]
    assert client.get("/api/v1/me/networks", headers=bearer(org.admin)).get_json() == []
