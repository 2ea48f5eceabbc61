"""The network pages: server-rendered, usable without JavaScript, permission-checked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.models import Message, Network
from tests.conftest import login


def test_browse_create_and_propose(client, org):
    login(client, org.leader)
    page = client.get("/networks")
    assert page.status_code == 200 and "Opprett et nettverk" in page.get_data(as_text=True)
    r = client.post(
        "/networks/new",
        data={
            "name": "Digital hverdag i hjemmetjenesten",
            "purpose": "Velferdsteknologi",
            "kind": "cross_unit",
            "visibility": "open",
            "target_competences": "digcomp-2.2:1.1, digcomp-2.2:4.2",
            "edit_window_minutes": "30",
        },
    )
    assert r.status_code == 302
    net = db.session.scalar(sa.select(Network).where(Network.name.like("Digital hverdag%")))
    assert net.status == "active" and net.target_competences == [
        "digcomp-2.2:1.1",
        "digcomp-2.2:4.2",
    ]
    r = client.post("/networks/new", data={"name": "", "kind": "bogus", "edit_window_minutes": "x"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'aria-invalid="true"' in html


def test_employee_proposal_page(client, org):
    login(client, org.employee)
    assert "Foreslå et nettverk" in client.get("/networks/new").get_data(as_text=True)
    r = client.post(
        "/networks/new",
        data={
            "name": "Lesing",
            "kind": "professional",
            "visibility": "open",
            "edit_window_minutes": "60",
        },
    )
    assert r.status_code == 302
    assert (
        db.session.scalar(sa.select(Network.status).where(Network.name == "Lesing")) == "proposed"
    )


def test_thread_page_renders_and_posts_without_javascript(client, org, nets):
    login(client, org.employee)
    tid = nets.closed_thread.id
    page = client.get(f"/threads/{tid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hemmelig innhold" in html
    client_id = re.search(r'name="client_id" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="client_id" name="client_id" type="hidden" value="([^"]+)"', html
    )
    assert client_id, html
    data = {"body": "Hei fra skjema <script>alert(1)</script>", "client_id": client_id.group(1)}
    r = client.post(f"/threads/{tid}/messages", data=data)
    assert r.status_code == 302 and r.headers["Location"].endswith("#m2")
    again = client.post(f"/threads/{tid}/messages", data=data)  # a double submit
    assert again.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(Message.thread_id == tid)
        )
        == 2
    )
    html = client.get(f"/threads/{tid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    r = client.post(f"/threads/{tid}/messages", data={"body": "", "client_id": "x"})
    assert r.status_code == 422


@pytest.mark.parametrize("who", ["colleague", "hr", "admin", "other_leader"])
def test_closed_thread_page_refused(client, org, nets, who):
    login(client, getattr(org, who))
    r = client.get(f"/threads/{nets.closed_thread.id}")
    assert r.status_code == 403
    assert "Hemmelig innhold" not in r.get_data(as_text=True)
    r = client.post(
        f"/threads/{nets.closed_thread.id}/messages", data={"body": "inn", "client_id": "z"}
    )
    assert r.status_code == 403
    page = client.get(f"/networks/{nets.request.id}").get_data(as_text=True)
    assert "Samtykke" not in page  # the thread title


def test_guest_pages(client, org, nets):
    login(client, org.guest)
    assert client.get(f"/threads/{nets.closed_thread.id}").status_code == 200
    assert client.get(f"/threads/{nets.open_thread.id}").status_code == 404
    assert client.get(f"/networks/{nets.open.id}").status_code == 404
    html = client.get("/networks").get_data(as_text=True)
    assert "Personvern i skolen" in html and "Digital hverdag" not in html


def test_join_leave_and_approve_buttons(client, org, nets):
    login(client, org.other_employee)
    assert client.post(f"/networks/{nets.request.id}/join").status_code == 302
    client.post("/logout")
    login(client, org.leader)
    page = client.get(f"/networks/{nets.request.id}").get_data(as_text=True)
    assert "Per Pleier" in page
    r = client.post(f"/networks/{nets.request.id}/members/{org.other_employee.id}/approve")
    assert r.status_code == 302
    r = client.post(
        f"/networks/{nets.request.id}/invite",
        data={"email": "partner@example.org", "name": "Pia Partner"},
    )
    assert r.status_code == 302
    page = client.get(f"/networks/{nets.request.id}").get_data(as_text=True)
    assert "Pia Partner" in page


def test_start_panel_and_nav(client, org, nets):
    login(client, org.employee)
    html = client.get("/").get_data(as_text=True)
    assert "Mine nettverk" in html and "Personvern i skolen" in html
    assert ">Nettverk<" in html


def test_search_and_notifications_pages(client, org, nets):
    login(client, org.employee)
    html = client.get("/networks/search?q=hemmelig").get_data(as_text=True)
    assert "Samtykke" in html
    assert client.get("/notifications").status_code == 200
    r = client.post("/notifications", data={"email_digest": "never"})
    assert r.status_code == 302
    r = client.post("/notifications", data={"email_digest": "sometimes"})
    assert r.status_code == 422


def test_notification_bell_counts(client, org, nets):
    from kollega.networks.send import send_message

    send_message(org.employee, nets.closed_thread.id, "bell", "Hei @Lise Leder")
    db.session.commit()
    login(client, org.leader)
    html = client.get("/networks").get_data(as_text=True)
    assert 'id="notification-bell"' in html and 'data-notification-count="1"' in html


def test_experience_thread_in_four_parts_from_the_page(client, org, nets):
    login(client, org.employee)
    r = client.post(
        f"/networks/{nets.request.id}/threads",
        data={
            "title": "Erfaring med samtykke",
            "kind": "experience",
            "situation": "Foreldre ville ikke ha bilder",
            "what_we_did": "Vi spurte",
            "what_we_learned": "Spør tidlig",
            "next_time": "Skjema i august",
            "client_id": "exp-form-1",
        },
    )
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    for heading in ("Situasjon", "Hva vi gjorde", "Hva vi lærte", "Neste gang"):
        assert f"<h3>{heading}</h3>" in html


def test_thread_page_messages_never_stale_nor_another_viewers(client, org, nets):
    """The thread page keeps rendered messages (views.MESSAGE_FRAGMENTS): an edit, a
    reaction or a deletion shows at once, one viewer's controls and CSRF token never
    reach another viewer."""
    tid = nets.closed_thread.id

    def page(person):
        client.post("/logout")
        login(client, person)
        html = client.get(f"/threads/{tid}").get_data(as_text=True)
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
        tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
        assert tokens == {meta}, tokens  # every form carries this viewer's own token
        return html

    login(client, org.employee)
    text = "Første *utkast*"
    r = client.post(f"/threads/{tid}/messages", data={"body": text, "client_id": "cache-1"})
    assert r.status_code == 302
    mid = db.session.scalar(sa.select(Message.id).where(Message.client_id == "cache-1"))
    edit, delete = f"/messages/{mid}/edit", f"/messages/{mid}/delete"

    def actions(html):
        """The message's action buttons (assets/chat/actions.js works them live)."""
        found = re.search(rf'<article id="m\d+"[^>]*data-id="{mid}".*?</article>', html, re.S)
        return set(re.findall(r'data-action="([a-z-]+)"', found.group(0))) if found else set()

    own = page(org.employee)
    assert "<em>utkast</em>" in own and {"edit", "delete"} <= actions(own)
    guest = page(org.guest)  # a member, not the author, no facilitator
    assert "<em>utkast</em>" in guest and not {"edit", "delete"} & actions(guest)
    assert {"react", "reply", "copy-link", "follow"} <= actions(guest)
    leader = page(org.leader)  # facilitator: may delete, not edit
    assert "edit" not in actions(leader) and "delete" in actions(leader)
    again = page(org.employee)  # served from the cache, with this session's token
    assert {"edit", "delete"} <= actions(again)

    client.post("/logout")
    login(client, org.employee)
    r = client.post(edit, data={"body": "Andre **utkast**"})
    assert r.status_code == 302
    own = page(org.employee)
    assert "<strong>utkast</strong>" in own and "<em>utkast</em>" not in own
    guest = page(org.guest)
    assert "<strong>utkast</strong>" in guest and "<em>utkast</em>" not in guest

    # The client is the guest's now.
    assert client.post(f"/messages/{mid}/react", data={"emoji": "👍"}).status_code in (200, 302)
    guest = page(org.guest)
    assert re.search(r'aria-pressed="true">👍 <span class="count">1<', guest)
    own = page(org.employee)
    assert re.search(r'aria-pressed="false">👍 <span class="count">1<', own)
    client.post(f"/messages/{mid}/react", data={"emoji": "👍"})  # the author's reaction
    guest = page(org.guest)
    assert re.search(r'aria-pressed="true">👍 <span class="count">2<', guest)

    assert client.post(delete).status_code == 403  # the guest may not delete it
    leader = page(org.leader)
    assert client.post(delete).status_code == 302
    for person in (org.leader, org.employee, org.guest):
        html = page(person)
        assert "utkast" not in html and f'data-id="{mid}"' in html
        assert not actions(html)


def test_the_thread_pages_bell_is_the_count_after_its_read_mark(client, org, nets):
    """The thread page reads the bell's count with the thread and takes off what its read
    mark marks read: the same as counting afresh, on the page and on the next page."""
    import re

    from kollega.networks.notifications import unread_notification_count
    from kollega.networks.send import send_message
    from kollega.networks.threads import open_thread

    other, _ = open_thread(org.employee, nets.request.id, "Annen tråd", body="Hei")
    send_message(org.employee, nets.closed_thread.id, "b-1", "Hei @Lise Leder")
    send_message(org.employee, nets.closed_thread.id, "b-2", "Igjen @Lise Leder")
    send_message(org.employee, other.id, "b-3", "Der @Lise Leder")
    db.session.commit()
    assert unread_notification_count(org.leader) == 3

    def bell(html: str) -> int:
        found = re.search(r'data-notification-count="(\d+)"', html)
        return int(found.group(1)) if found else 0

    login(client, org.leader)
    html = client.get(f"/threads/{nets.closed_thread.id}").get_data(as_text=True)
    assert bell(html) == 1 == unread_notification_count(org.leader)
    html = client.get(f"/threads/{nets.closed_thread.id}").get_data(as_text=True)
    assert bell(html) == 1
    html = client.get(f"/threads/{other.id}").get_data(as_text=True)
    assert bell(html) == 0 == unread_notification_count(org.leader)
    assert 'id="notification-bell"' in html


def test_the_thread_page_writes_its_read_mark_only_when_there_is_something_to_mark(
    client, org, nets
):
    """A second visit with nothing new writes nothing (the marker is past the page, no
    notification unread); a notification about an already read message (a mention added
    by an edit) is still marked read by the next visit."""
    from kollega.networks.messages import edit_message
    from kollega.networks.notifications import unread_notification_count
    from kollega.networks.send import send_message

    sent = send_message(org.employee, nets.closed_thread.id, "b-1", "Hei")
    db.session.commit()
    login(client, org.leader)
    path = f"/threads/{nets.closed_thread.id}"
    assert client.get(path).status_code == 200
    writes: list[str] = []

    def record(conn, cursor, statement, *_):  # noqa: ANN001, ANN202
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
        assert not [w for w in writes if "thread_reads" in w or "notifications" in w]
        edit_message(org.employee, sent.message.id, "Hei @Lise Leder")
        db.session.commit()
        assert unread_notification_count(org.leader) == 1
        writes.clear()
        html = client.get(path).get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert [w for w in writes if "notifications" in w]
    assert unread_notification_count(org.leader) == 0
    assert 'data-notification-count="0"' in html or "data-notification-count" not in html
