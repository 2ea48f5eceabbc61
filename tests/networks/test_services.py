"""Networks, membership, permissions and the delivery contract, through the services."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from kollega import permissions
from kollega.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks import render
from kollega.networks.members import add_member, approve_member, join_network, leave_network
from kollega.networks.messages import (
    delete_message,
    edit_message,
    list_messages,
    message_history,
    react,
)
from kollega.networks.models import Message, Notification, Thread
from kollega.networks.networks import (
    approve_network,
    archive_network,
    create_network,
    list_networks,
)
from kollega.networks.notifications import unread_notification_count
from kollega.networks.reads import mark_read, unread_counts
from kollega.networks.search import search_messages
from kollega.networks.send import send_message
from kollega.networks.threads import (
    accept_answer,
    follow_thread,
    is_following,
    open_thread,
    resolve_thread,
)


def seqs(thread_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Message.seq).where(Message.thread_id == thread_id).order_by(Message.seq)
        )
    )


def test_seq_is_gap_free_and_retries_store_nothing(org, nets):
    thread = nets.open_thread
    first = send_message(org.employee, thread.id, "c-1", "Første")
    assert first.created and first.message.seq == 2  # the opening message is 1
    again = send_message(org.employee, thread.id, "c-1", "Første (igjen)")
    assert not again.created
    assert (again.message.id, again.message.seq) == (first.message.id, first.message.seq)
    for i in range(2, 12):
        send_message(org.colleague if i % 2 else org.employee, thread.id, f"c-{i}", f"m {i}")
    db.session.commit()
    assert seqs(thread.id) == list(range(1, 13))
    assert db.session.get(Thread, thread.id).last_seq == 12
    # Reusing a client_id for another thread is a conflict, and stores nothing.
    with pytest.raises(Conflict):
        send_message(org.employee, nets.closed_thread.id, "c-1", "x")
    db.session.rollback()
    assert seqs(nets.closed_thread.id) == [1]


def test_concurrent_retries_of_one_client_id(app, org, nets):
    """Parallel sends with the same client_id from several sessions store one message."""
    import threading

    from kollega.org.models import Person

    thread_id, person_id = nets.open_thread.id, org.employee.id
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with app.app_context():
                person = db.session.get(Person, person_id)
                result = send_message(person, thread_id, "same-client-id", "hei")
                db.session.commit()
                results.append((result.message.id, result.message.seq))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=send) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert len(set(results)) == 1
    db.session.expire_all()
    assert seqs(thread_id) == [1, 2]


def test_parallel_senders_get_distinct_gap_free_seqs(app, org, nets):
    import threading

    from kollega.org.models import Person

    thread_id = nets.open_thread.id
    people = [org.employee.id, org.colleague.id, org.employee_a1.id, org.other_employee.id]
    errors: list[BaseException] = []

    def sender(pid: int) -> None:
        try:
            with app.app_context():
                person = db.session.get(Person, pid)
                for i in range(8):
                    send_message(person, thread_id, f"p{pid}-{i}", f"melding {i}")
                    db.session.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=sender, args=(pid,)) for pid in people]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    db.session.expire_all()
    assert seqs(thread_id) == list(range(1, 2 + 4 * 8))


def test_client_id_and_body_are_validated(org, nets):
    for bad in ("", "x" * 65, "has space", None, 12, "<script>"):
        with pytest.raises(ValidationError):
            send_message(org.employee, nets.open_thread.id, bad, "hei")
    for bad in ("", "   ", None, 5, "x" * 10_001):
        with pytest.raises(ValidationError):
            send_message(org.employee, nets.open_thread.id, "ok-id", bad)
    db.session.rollback()
    assert seqs(nets.open_thread.id) == [1]


READERS = {
    # who: (open, request, invite)
    "leader": (True, True, True),
    "employee": (True, True, False),
    "colleague": (True, False, True),
    "employee_a1": (True, False, False),
    "other_leader": (True, False, False),
    "hr": (True, False, False),
    "admin": (True, False, False),
    "guest": (False, True, False),
}


@pytest.mark.parametrize("who", sorted(READERS))
def test_who_reads_which_network(org, nets, who):
    person = getattr(org, who)
    expected = READERS[who]
    for network, thread, may in zip(
        (nets.open, nets.request, nets.invite),
        (nets.open_thread, nets.closed_thread, nets.invite_thread),
        expected,
        strict=True,
    ):
        assert permissions.can_read_network(person, network) is may
        if may:
            assert [m.seq for m in list_messages(person, thread.id)[0]] == [1]
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                list_messages(person, thread.id)
            with pytest.raises((PermissionDenied, NotFound)):
                send_message(person, thread.id, f"try-{who}-{network.id}", "inn?")
            with pytest.raises((PermissionDenied, NotFound)):
                mark_read(person, thread.id)
    listed = {n.network.id for n in list_networks(person)}
    if who == "guest":
        assert listed == {nets.request.id}
    elif who in ("leader", "colleague"):
        assert nets.invite.id in listed
    else:
        assert nets.invite.id not in listed and nets.open.id in listed


def test_search_respects_permissions(org, nets):
    send_message(org.leader, nets.open_thread.id, "s1", "Sykefravær og turnus i hjemmetjenesten")
    send_message(org.leader, nets.closed_thread.id, "s2", "Sykefravær i skolen er hemmelig")
    db.session.commit()
    assert len(search_messages(org.leader, "sykefrav")) == 2
    assert len(search_messages(org.employee, "sykefravær")) == 2
    for who in ("hr", "admin", "other_leader"):
        found = search_messages(getattr(org, who), "Sykefravær")
        assert [m.client_id for m in found] == ["s1"]
    assert [m.client_id for m in search_messages(org.guest, "sykefravær")] == ["s2"]
    assert search_messages(org.hr, "\"' OR 1=1 -- NEAR(") == []
    assert search_messages(org.hr, "***") == []


def test_join_flows(org, nets):
    member = join_network(org.other_employee, nets.open.id)
    assert member.state == "active"
    asked = join_network(org.other_employee, nets.request.id)
    assert asked.state == "requested"
    assert not permissions.can_read_network(org.other_employee, nets.request)
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "join_request"))
    assert [n.person_id for n in notes] == [org.leader.id]
    with pytest.raises(NotFound):
        join_network(org.other_employee, nets.invite.id)
    with pytest.raises(PermissionDenied):
        approve_member(org.employee, nets.request.id, org.other_employee.id)
    approve_member(org.leader, nets.request.id, org.other_employee.id)
    assert permissions.can_read_network(org.other_employee, nets.request)
    # Invitation, accepted by joining.
    add_member(org.leader, nets.invite.id, org.employee_a1.id, invite=True)
    assert not permissions.can_read_network(org.employee_a1, nets.invite)
    assert join_network(org.employee_a1, nets.invite.id).state == "active"
    # The guest cannot join anything else.
    with pytest.raises((PermissionDenied, NotFound)):
        join_network(org.guest, nets.open.id)
    leave_network(org.other_employee, nets.request.id)
    assert not permissions.can_read_network(org.other_employee, nets.request)
    with pytest.raises(Conflict):
        leave_network(org.leader, nets.request.id)  # the last facilitator


def test_employee_proposes_leader_approves(org):
    proposal = create_network(org.employee, "Lesing i småskolen", "Forslag")
    assert proposal.status == "proposed"
    assert not permissions.can_post(org.employee, proposal)
    with pytest.raises(PermissionDenied):
        approve_network(org.other_leader, proposal.id)  # leads another unit
    with pytest.raises(PermissionDenied):
        approve_network(org.admin, proposal.id)
    assert proposal.id in {n.network.id for n in list_networks(org.leader)}
    approve_network(org.leader, proposal.id)
    assert proposal.status == "active"
    assert permissions.is_facilitator(org.employee, proposal)
    # Now a facilitator, the employee creates active networks directly.
    assert create_network(org.employee, "Nytt nettverk").status == "active"
    with pytest.raises(PermissionDenied):
        create_network(org.guest, "Gjestenettverk")
    with pytest.raises(Conflict):
        create_network(org.hr, "lesing i småskolen")
    with pytest.raises(ValidationError):
        create_network(org.hr, "X", visibility="secret")
    with pytest.raises(ValidationError):
        create_network(org.hr, "X", target_competences=["not a code"])


def test_archive_makes_read_only(org, nets):
    with pytest.raises(PermissionDenied):
        archive_network(org.employee, nets.request.id)
    archive_network(org.leader, nets.request.id)
    assert list_messages(org.employee, nets.closed_thread.id)[0]
    with pytest.raises(PermissionDenied):
        send_message(org.employee, nets.closed_thread.id, "late", "for sent")
    with pytest.raises(PermissionDenied):
        open_thread(org.leader, nets.request.id, "Ny tråd")


def test_open_network_post_makes_member(org, nets):
    assert not permissions.is_network_member(org.other_employee, nets.open)
    send_message(org.other_employee, nets.open_thread.id, "auto", "Hei fra nord")
    assert permissions.is_network_member(org.other_employee, nets.open)


def test_mentions_replies_and_followers_are_notified(org, nets):
    thread = nets.closed_thread  # leader opened it and follows it
    first = send_message(org.employee, thread.id, "n1", "Hei @Lise Leder, og @Gro Gjest!")
    kinds = {
        (n.person_id, n.kind)
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.thread_id == thread.id)
        )
    }
    assert kinds == {(org.leader.id, "mention"), (org.guest.id, "mention")}
    send_message(org.guest, thread.id, "n2", "Svar", reply_to_id=first.message.id)
    assert (org.employee.id, "reply") in {
        (n.person_id, n.kind) for n in db.session.scalars(sa.select(Notification))
    }
    # Someone outside the network is not "mentioned".
    send_message(org.employee, thread.id, "n3", "@Hanne HR ser ikke dette")
    assert unread_notification_count(org.hr) == 0
    assert unread_notification_count(org.leader) >= 1
    mark_read(org.leader, thread.id)
    assert unread_notification_count(org.leader) == 0


def test_unread_counts_and_mark_read(org, nets):
    thread = nets.closed_thread
    assert unread_counts(org.employee) == {thread.id: 1}
    for i in range(3):
        send_message(org.leader, thread.id, f"u{i}", f"nr {i}")
    send_message(org.employee, thread.id, "own", "egen melding teller ikke")
    assert unread_counts(org.employee)[thread.id] == 4
    assert mark_read(org.employee, thread.id, 3) == 3
    assert unread_counts(org.employee)[thread.id] == 1
    assert mark_read(org.employee, thread.id, 1) == 3  # never backwards
    mark_read(org.employee, thread.id)
    assert thread.id not in unread_counts(org.employee)


def test_history_pages_and_replay(org, nets):
    thread = nets.open_thread
    for i in range(2, 31):
        send_message(org.leader, thread.id, f"h{i}", f"melding {i}")
    latest, more = list_messages(org.employee, thread.id, limit=10)
    assert [m.seq for m in latest] == list(range(21, 31)) and more
    older, more = list_messages(org.employee, thread.id, before_seq=21, limit=10)
    assert [m.seq for m in older] == list(range(11, 21)) and more
    oldest, more = list_messages(org.employee, thread.id, before_seq=11, limit=10)
    assert [m.seq for m in oldest] == list(range(1, 11)) and not more
    replay, more = list_messages(org.employee, thread.id, after_seq=25)
    assert [m.seq for m in replay] == [26, 27, 28, 29, 30] and not more
    with pytest.raises(ValidationError):
        list_messages(org.employee, thread.id, after_seq="x")


def test_edit_delete_react(org, nets):
    sent = send_message(org.employee, nets.closed_thread.id, "e1", "Førsteutkast").message
    with pytest.raises(PermissionDenied):
        edit_message(org.leader, sent.id, "ikke din")
    edit_message(org.employee, sent.id, "Andre *utkast*")
    assert sent.body_html == "<p>Andre <em>utkast</em></p>"
    assert [e.previous_body for e in message_history(org.employee, sent.id)] == ["Førsteutkast"]
    nets.request.edit_window_minutes = 0
    with pytest.raises(PermissionDenied):
        edit_message(org.employee, sent.id, "for sent")
    assert react(org.leader, sent.id, "👍") == [
        {"emoji": "👍", "count": 1, "people": [org.leader.id]}
    ]
    assert react(org.leader, sent.id, "👍") == []
    with pytest.raises(ValidationError):
        react(org.leader, sent.id, "<b>")
    with pytest.raises((PermissionDenied, NotFound)):
        react(org.hr, sent.id, "👍")
    with pytest.raises(PermissionDenied):
        delete_message(org.guest, sent.id)
    delete_message(org.leader, sent.id)  # facilitator moderates
    assert sent.is_deleted and sent.body == "" and sent.body_html == ""
    assert search_messages(org.employee, "utkast") == []


def test_threads_resolve_accept_follow(org, nets):
    thread, first = open_thread(
        org.employee, nets.request.id, "Hvordan lagrer vi samtykke?", kind="question", body="?"
    )
    answer = send_message(org.leader, thread.id, "a1", "I arkivet").message
    with pytest.raises(PermissionDenied):
        accept_answer(org.guest, thread.id, answer.id)
    accept_answer(org.employee, thread.id, answer.id)
    assert thread.accepted_message_id == answer.id and thread.resolved
    resolve_thread(org.employee, thread.id, False)
    assert not thread.resolved
    assert follow_thread(org.guest, thread.id) is True
    assert is_following(org.guest, thread.id)
    follow_thread(org.guest, thread.id, False)
    assert not is_following(org.guest, thread.id)
    with pytest.raises(PermissionDenied):
        open_thread(org.employee, nets.request.id, "Stopp", kind="learning_stop")
    exp, msg = open_thread(
        org.employee,
        nets.request.id,
        "Erfaring",
        kind="experience",
        parts={"situation": "S", "what_we_did": "D", "what_we_learned": "L", "next_time": "N"},
    )
    assert msg is not None and msg.body_html.count("<h3>") == 4


EVIL = [
    "<script>alert(1)</script>",
    "[klikk](javascript:alert(1))",
    "[klikk](JaVaScRiPt:alert(1))",
    "[klikk](&#106;avascript:alert(1))",
    "[klikk](java\tscript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<b onmouseover="alert(1)">x</b>',
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<<script>script>alert(1)<</script>/script>",
    "<svg/onload=alert(1)>",
    "<iframe src=//evil.example>",
    '<div style="background:url(javascript:alert(1))">',
    "[x](vbscript:msgbox(1))",
    "<scr<script>ipt>alert(1)</script>",
    '[x](https://ok.example "title" onclick="alert(1)")',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "```\n</code><script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)


@pytest.mark.parametrize("evil", EVIL)
def test_user_text_renders_inert(org, nets, evil):
    sent = send_message(org.leader, nets.open_thread.id, f"x{EVIL.index(evil)}", evil).message
    parsed = _Inspector()
    parsed.feed(sent.body_html)
    assert set(parsed.tags) <= render.ALLOWED_TAGS
    assert set(parsed.tags).isdisjoint({"script", "img", "svg", "iframe", "style", "div", "math"})
    for name, value in parsed.attrs:
        assert not name.startswith("on"), sent.body_html
        assert name in {"href", "title", "rel", "start", "align"}, sent.body_html
        if name == "href":
            assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}, value


def test_links_get_rel_nofollow_noopener(org, nets):
    sent = send_message(
        org.leader, nets.open_thread.id, "l1", "Se [her](https://drammen.kommune.no)"
    )
    assert sent.message.body_html == (
        '<p>Se <a href="https://drammen.kommune.no" rel="nofollow noopener">her</a></p>'
    )
