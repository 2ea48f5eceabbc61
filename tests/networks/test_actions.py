"""Message actions on the server (issue #20): reactions with any one emoji, following a
thread over the socket, the edit history for every reader, mention suggestions and the
mentions marked in a message, and what the thread tells the client its reader may do.
Real Socket.IO clients against a live server, and the API through the test client."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks.messages import clean_emoji
from kollega.networks.models import Reaction, ThreadFollow
from kollega.networks.render import mark_mentions, render_markdown
from kollega.networks.send import send_message
from tests.networks.test_api import bearer
from tests.networks.test_socket import clients  # noqa: F401 - the fixture

GOOD = ["👍", "❤️", "❤", "👍🏽", "👩‍👩‍👧", "🧑🏾‍🦱", "🇳🇴", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🫶", " 🎉 "]
BAD = ["", "a", "👍👍", "🇳", "🏽", "\u200d👍", "<b>", "👍 ok", "x" * 17, "🇳🇴🇳🇴", 5, None, ["👍"]]


@pytest.mark.parametrize("emoji", GOOD)
def test_any_single_emoji_is_a_reaction(emoji):
    assert clean_emoji(emoji) == emoji.strip()


@pytest.mark.parametrize("emoji", BAD)
def test_anything_else_is_refused(emoji):
    with pytest.raises(ValidationError):
        clean_emoji(emoji)


def test_reaction_toggle_takes_any_emoji_and_refuses_the_rest(live_server, clients, org, nets):  # noqa: F811
    message = send_message(org.employee, nets.closed_thread.id, "rx-1", "Hei").message
    db.session.commit()
    lead = clients(org.leader)
    ack = lead.call("reaction:toggle", {"message_id": message.id, "emoji": "🦔"})
    assert ack["ok"], ack
    assert ack["reactions"] == [{"emoji": "🦔", "count": 1, "people": [org.leader.id]}]
    for bad in ["👍👍", "tekst", "", None, 7, {"e": 1}, "x" * 40]:
        ack = lead.call("reaction:toggle", {"message_id": message.id, "emoji": bad})
        assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
        assert ack["error"]["fields"]["emoji"]
    for payload in [{"emoji": "👍"}, {"message_id": "x", "emoji": "👍"}, "tekst", [1]]:
        ack = lead.call("reaction:toggle", payload)
        assert not ack["ok"] and ack["error"]["code"] in ("invalid", "bad_request"), ack
    ack = lead.call("reaction:toggle", {"message_id": message.id, "emoji": "👍", "on": "ja"})
    assert not ack["ok"] and ack["error"]["code"] == "invalid"
    # Someone who may not read the thread hears "not found", and nothing is stored.
    outsider = clients(org.colleague)  # not a member of the request-only network
    ack = outsider.call("reaction:toggle", {"message_id": message.id, "emoji": "👍"})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    db.session.expire_all()
    stored = db.session.scalars(sa.select(Reaction.emoji).where(Reaction.message_id == message.id))
    assert list(stored) == ["🦔"]


def test_follow_over_the_socket(live_server, clients, org, nets):  # noqa: F811
    tid = nets.closed_thread.id
    eva = clients(org.employee)
    ack = eva.call("thread:follow", {"thread_id": tid, "following": True})
    assert ack == {"ok": True, "thread_id": tid, "following": True}
    follows = sa.select(ThreadFollow).where(
        ThreadFollow.thread_id == tid, ThreadFollow.person_id == org.employee.id
    )
    db.session.expire_all()
    assert db.session.scalar(follows) is not None
    assert eva.call("thread:follow", {"thread_id": tid, "following": False})["following"] is False
    for bad in [{"thread_id": tid}, {"thread_id": tid, "following": "yes"}, {"following": True}]:
        ack = eva.call("thread:follow", bad)
        assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
    ack = eva.call("thread:follow", {"thread_id": "x", "following": True})
    assert not ack["ok"] and ack["error"]["code"] == "invalid"
    ack = eva.call("thread:follow", {"thread_id": 999999, "following": True})
    assert not ack["ok"] and ack["error"]["code"] == "not_found"
    ack = clients(org.colleague).call("thread:follow", {"thread_id": tid, "following": True})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    invite = nets.invite_thread.id  # an invite-only network hides itself
    ack = eva.call("thread:follow", {"thread_id": invite, "following": True})
    assert not ack["ok"] and ack["error"]["code"] == "not_found"
    db.session.expire_all()
    assert db.session.scalar(follows) is None


def test_edit_and_delete_refuse_bad_payloads(live_server, clients, org, nets):  # noqa: F811
    message = send_message(org.employee, nets.closed_thread.id, "ed-1", "Først").message
    db.session.commit()
    eva, gro = clients(org.employee), clients(org.guest)
    for bad in [{}, {"message_id": message.id}, {"message_id": message.id, "body": "  "}]:
        ack = eva.call("message:edit", bad)
        assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
    ack = eva.call("message:edit", {"message_id": message.id, "body": ["x"]})
    assert not ack["ok"] and ack["error"]["code"] == "invalid"
    ack = gro.call("message:edit", {"message_id": message.id, "body": "Mitt nå"})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    ack = gro.call("message:delete", {"message_id": message.id})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    ack = eva.call("message:edit", {"message_id": message.id, "body": "Etterpå"})
    assert ack["ok"] and ack["message"]["body"] == "Etterpå" and ack["message"]["edited_at"]


def test_history_for_every_reader_of_the_thread(client, org, nets):
    e, g = bearer(org.employee), bearer(org.guest)
    tid = nets.closed_thread.id
    sent = client.post(
        f"/api/v1/threads/{tid}/messages",
        json={"client_id": "h1", "body": "Første *utkast*"},
        headers=e,
    ).get_json()
    assert (
        client.patch(
            f"/api/v1/messages/{sent['id']}", json={"body": "Andre"}, headers=e
        ).status_code
        == 200
    )
    r = client.get(f"/api/v1/messages/{sent['id']}/history", headers=g)  # a member, not the author
    assert r.status_code == 200
    (edit,) = r.get_json()
    assert edit["previous_body"] == "Første *utkast*"
    assert edit["previous_html"] == "<p>Første <em>utkast</em></p>"
    assert edit["editor"] == {"id": org.employee.id, "name": org.employee.name}
    assert edit["edited_at"]
    # Not readable: refused as the message itself is (403 in a request-only network).
    assert (
        client.get(
            f"/api/v1/messages/{sent['id']}/history", headers=bearer(org.colleague)
        ).status_code
        == 403
    )
    assert client.get("/api/v1/messages/999999/history", headers=e).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/messages/{message_id}/history" in str(spec["paths"]) or any(
        "history" in p for p in spec["paths"]
    )


def test_mention_suggestions(client, org, nets):
    e = bearer(org.employee)
    nid = nets.request.id
    r = client.get(f"/api/v1/networks/{nid}/members?q=led", headers=e)
    assert r.status_code == 200
    assert [m["person"]["name"] for m in r.get_json()] == ["Lise Leder"]
    r = client.get(f"/api/v1/networks/{nid}/members?q=GRO", headers=e)
    assert [m["person"]["name"] for m in r.get_json()] == ["Gro Gjest"]
    # Only the network's active members: Kari is in another network.
    assert client.get(f"/api/v1/networks/{nid}/members?q=kari", headers=e).get_json() == []
    assert client.get(f"/api/v1/networks/{nid}/members?q=%25", headers=e).get_json() == []
    for q in ["", "x" * 101]:
        r = client.get(f"/api/v1/networks/{nid}/members", query_string={"q": q}, headers=e)
        assert r.status_code == 422 and r.get_json()["error"]["fields"]["q"]
    outsider = bearer(org.colleague)
    assert client.get(f"/api/v1/networks/{nid}/members?q=li", headers=outsider).status_code == 403
    hidden = f"/api/v1/networks/{nets.invite.id}/members?q=ka"  # invite-only: not there
    assert client.get(hidden, headers=e).status_code == 404


def test_mentions_marked_with_the_person_id(client, org, nets):
    e = bearer(org.employee)
    tid = nets.closed_thread.id
    body = "Hei @Lise Leder og @**Gro Gjest**, se `@Lise Leder`, skriv til eva@lise.no"
    client.post(
        f"/api/v1/threads/{tid}/messages", json={"client_id": "mm", "body": body}, headers=e
    )
    (m,) = client.get(f"/api/v1/threads/{tid}/messages?after_seq=1", headers=e).get_json()[
        "messages"
    ]
    assert m["mentions"] == [org.leader.id, org.guest.id]
    lise = f'<span class="mention" data-person="{org.leader.id}">@Lise Leder</span>'
    assert lise in m["body_html"] and "<code>@Lise Leder</code>" in m["body_html"]
    assert "eva@lise.no" in m["body_html"]
    # Names that are not members stay text; the longest name that ends there wins.
    html = mark_mentions(
        render_markdown("@Kari og @Lise Leder, @Lise Lederen"), {"lise": 1, "lise leder": 2}
    )
    lise, leader = (
        '<span class="mention" data-person="1">',
        '<span class="mention" data-person="2">',
    )
    assert html == f"<p>@Kari og {leader}@Lise Leder</span>, {lise}@Lise</span> Lederen</p>"


def test_thread_tells_what_its_reader_may_do(client, org, nets):
    tid = nets.closed_thread.id
    lead = client.get(f"/api/v1/threads/{tid}", headers=bearer(org.leader)).get_json()
    assert lead["can_post"] and lead["can_moderate"] and lead["edit_window_minutes"] == 60
    eva = client.get(f"/api/v1/threads/{tid}", headers=bearer(org.employee)).get_json()
    assert eva["can_post"] and not eva["can_moderate"]


def test_everyone_is_a_facilitators_mention(client, org, nets):
    from kollega.networks.models import Notification

    tid = nets.closed_thread.id
    lead, eva = bearer(org.leader), bearer(org.employee)
    client.post(
        f"/api/v1/threads/{tid}/messages",
        json={"client_id": "all-1", "body": "@alle møte i morgen"},
        headers=lead,
    )
    client.post(
        f"/api/v1/threads/{tid}/messages",
        json={"client_id": "all-2", "body": "@alle hei fra meg"},
        headers=eva,
    )
    first, second = client.get(
        f"/api/v1/threads/{tid}/messages?after_seq=1", headers=eva
    ).get_json()["messages"]
    assert '<span class="mention" data-person="all">@alle</span>' in first["body_html"]
    assert "mention" not in second["body_html"]  # only a facilitator speaks to everyone
    mentioned = db.session.scalars(
        sa.select(Notification.person_id).where(Notification.kind == "mention")
    ).all()
    assert sorted(mentioned) == sorted([org.employee.id, org.guest.id])
