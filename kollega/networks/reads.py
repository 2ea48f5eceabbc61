"""Read markers and unread counts (a thread, the sidebar, the start page)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager

from kollega import permissions
from kollega.db import now_utc
from kollega.errors import NotFound
from kollega.extensions import db
from kollega.networks import broadcast
from kollega.networks.common import as_int, require_read
from kollega.networks.models import (
    Message,
    Network,
    NetworkMember,
    Notification,
    Thread,
    ThreadRead,
)
from kollega.networks.networks import list_networks
from kollega.networks.notifications import unread_notification_count
from kollega.networks.threads import get_thread
from kollega.org.models import Person


def mark_read(person: Person, thread_id: Any, seq: Any = None) -> int:
    """Mark the thread read up to ``seq`` (default: everything). Read markers only move
    forward. Returns the person's last read seq."""
    return mark_thread_read(person, get_thread(person, thread_id), seq)


def read_thread(person: Person, thread_id: Any, seq: Any = None) -> dict[str, int]:
    """``mark_read``, and what it leaves: ``{thread_id, last_read_seq, unread,
    notifications}`` (the thread's unread messages and the bell's count), also queued as
    ``read`` to the person's other tabs and devices."""
    tid = as_int(thread_id, "thread_id")
    last = mark_read(person, tid, seq)
    unread = unread_counts(person, [tid]).get(tid, 0)
    notifications = unread_notification_count(person)
    broadcast.read_marker(person.id, tid, last, unread, notifications)
    return {
        "thread_id": tid,
        "last_read_seq": last,
        "unread": unread,
        "notifications": notifications,
    }


@functools.cache
def _mark_statements(dialect: str) -> tuple[Any, Any]:
    # Built once per process and dialect (built per call, they cost more than running
    # them): the read marker's upsert (it only moves forward) and the notifications about
    # the thread up to the marker, read.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Typed as their columns (the values go through the columns' own processing); not
    # named as columns, which an INSERT or UPDATE keeps for itself.
    now = sa.bindparam("b_now", type_=ThreadRead.__table__.c.updated_at.type)
    thread = sa.bindparam("b_thread", type_=sa.Integer())
    person = sa.bindparam("b_person", type_=sa.Integer())
    target = sa.bindparam("b_target", type_=sa.Integer())
    stmt = insert(ThreadRead).values(
        thread_id=thread, person_id=person, last_read_seq=target, updated_at=now
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=["thread_id", "person_id"],
        set_={
            "last_read_seq": sa.case(
                (
                    stmt.excluded.last_read_seq > ThreadRead.last_read_seq,
                    stmt.excluded.last_read_seq,
                ),
                else_=ThreadRead.last_read_seq,
            ),
            "updated_at": now,
        },
    ).returning(ThreadRead.last_read_seq)
    notifications = (
        sa.update(Notification)
        .where(
            Notification.person_id == person,
            Notification.thread_id == thread,
            Notification.read_at.is_(None),
            Notification.message_id.in_(
                sa.select(Message.id).where(Message.thread_id == thread, Message.seq <= target)
            ),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return upsert, notifications


def mark_thread_read(person: Person, thread: Thread, seq: Any = None) -> int:
    """``mark_read`` of a thread the caller has had from ``get_thread`` (the reader's
    permission checked there)."""
    return mark_thread_read_counted(person, thread, seq)[0]


def mark_thread_read_counted(person: Person, thread: Thread, seq: Any = None) -> tuple[int, int]:
    """``mark_thread_read``, and how many of the person's notifications it marked read
    (the thread page takes them off the bell's count it read with the thread)."""
    target = thread.last_seq if seq in (None, "") else as_int(seq, "seq")
    target = max(0, min(target, thread.last_seq))
    upsert, notifications = _mark_statements(db.engine.dialect.name)
    params = {"b_thread": thread.id, "b_person": person.id, "b_target": target, "b_now": now_utc()}
    # On the session's connection: neither statement needs the ORM's handling of DML
    # (no loaded objects to update; the page cache notes no writes of these tables).
    execute = db.session.connection().execute
    last = execute(upsert, params).scalar_one()
    # Notifications about this thread up to here are read too.
    marked = execute(notifications, params).rowcount
    db.session.flush()
    return int(last or 0), max(0, int(marked or 0))


def unread_counts(person: Person, thread_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Unread messages per thread (others' messages, not deleted, after the read
    marker) in the networks the person is an active member of (or in ``thread_ids``,
    limited to threads the person may read). Threads with none are left out."""
    read = (
        sa.select(ThreadRead.thread_id, ThreadRead.last_read_seq)
        .where(ThreadRead.person_id == person.id)
        .subquery()
    )
    stmt = (
        sa.select(Message.thread_id, sa.func.count())
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, read.c.thread_id == Message.thread_id)
        .where(
            Message.seq > sa.func.coalesce(read.c.last_read_seq, 0),
            Message.author_id != person.id,
            Message.deleted_at.is_(None),
        )
        .group_by(Message.thread_id)
    )
    if thread_ids is None:
        member_of = sa.select(NetworkMember.network_id).where(
            NetworkMember.person_id == person.id,
            NetworkMember.active(),
        )
        stmt = stmt.where(Thread.network_id.in_(member_of))
    else:
        ids = [int(t) for t in thread_ids]
        if not ids:
            return {}
        readable = sa.select(Network.id).where(permissions.readable_networks_filter(person))
        stmt = stmt.where(Thread.id.in_(ids), Thread.network_id.in_(readable))
    return {tid: int(n) for tid, n in db.session.execute(stmt)}


# Built once: the unread count of ``join_view``, on every thread:join.
_THREAD_UNREAD = sa.select(sa.func.count()).where(
    Message.thread_id == sa.bindparam("thread_id"),
    Message.seq
    > sa.func.coalesce(
        sa.select(ThreadRead.last_read_seq)
        .where(
            ThreadRead.thread_id == sa.bindparam("thread_id"),
            ThreadRead.person_id == sa.bindparam("person_id"),
        )
        .scalar_subquery(),
        0,
    ),
    Message.author_id != sa.bindparam("person_id"),
    Message.deleted_at.is_(None),
)


@functools.cache
def _join_view_statement() -> sa.Select[Any]:
    # Built once per process (built per call, it cost a third of the read itself): the
    # thread with its network, the reader's membership and their unread count.
    return (
        sa.select(Thread, NetworkMember, _THREAD_UNREAD.scalar_subquery())
        .join(Thread.network)
        .outerjoin(
            NetworkMember,
            sa.and_(
                NetworkMember.network_id == Thread.network_id,
                NetworkMember.person_id == sa.bindparam("person_id"),
                NetworkMember.current(),
            ),
        )
        .options(contains_eager(Thread.network))
        .where(Thread.id == sa.bindparam("thread_id"))
    )


def join_view(person: Person, thread_id: int) -> tuple[Thread, int]:
    """What ``thread:join`` needs before its page, in one statement: the thread (with its
    network) when the person may read it, as ``threads.thread_for_reader`` gives it, and
    the person's unread count in it (as ``unread_counts``). Refused as ``get_thread``
    refuses: ``NotFound`` when there is no such thread or the person may not know of its
    network, else ``PermissionDenied``."""
    row = db.session.execute(
        _join_view_statement(), {"thread_id": thread_id, "person_id": person.id}
    ).one_or_none()
    if row is None:
        raise NotFound(_l("No such thread."))
    thread, member, unread = row
    if not permissions.can_read_network(person, thread.network, member):
        try:  # refused: the usual checks, for the usual answer
            require_read(person, thread.network)
        except NotFound:
            raise NotFound(_l("No such thread.")) from None
    return thread, int(unread or 0)


def my_networks_unread(person: Person, limit: int = 50) -> list[tuple[int, str, int]]:
    """``(network id, name, unread messages)`` of the networks the person is an active
    member of, by name: ``list_networks(mine=True)`` and ``unread_counts`` summed per
    network, in one query that loads no objects (the chat sidebar on every thread page
    and the start page show it)."""
    member_of = (
        sa.select(NetworkMember.network_id)
        .where(
            NetworkMember.person_id == person.id,
            NetworkMember.active(),
        )
        .scalar_subquery()
    )
    read = (
        sa.select(ThreadRead.thread_id, ThreadRead.last_read_seq)
        .where(ThreadRead.person_id == person.id)
        .subquery()
    )
    unread = (
        sa.select(Thread.network_id, sa.func.count().label("n"))
        .select_from(Message)
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, read.c.thread_id == Message.thread_id)
        .where(
            Thread.network_id.in_(member_of),
            Message.seq > sa.func.coalesce(read.c.last_read_seq, 0),
            Message.author_id != person.id,
            Message.deleted_at.is_(None),
        )
        .group_by(Thread.network_id)
        .subquery()
    )
    stmt = (
        sa.select(Network.id, Network.name, sa.func.coalesce(unread.c.n, 0))
        .outerjoin(unread, unread.c.network_id == Network.id)
        .where(Network.id.in_(member_of))
        .order_by(Network.name, Network.id)
        .limit(max(1, min(limit, 500)))
    )
    return [(nid, name, int(n)) for nid, name, n in db.session.execute(stmt)]


def sidebar(person: Person) -> list[tuple[Network, list[Thread], dict[int, int]]]:
    """The person's active networks (by name), each with its threads (latest activity
    first) and the person's unread counts per thread: what a chat sidebar shows."""
    rows = list_networks(person, mine=True, limit=500)
    networks = [r.network for r in rows]
    if not networks:
        return []
    threads = list(
        db.session.scalars(
            sa.select(Thread)
            .where(Thread.network_id.in_([n.id for n in networks]))
            .order_by(
                sa.func.coalesce(Thread.last_message_at, Thread.created_at).desc(),
                Thread.id.desc(),
            )
        )
    )
    unread = unread_counts(person)
    by_network: dict[int, list[Thread]] = {n.id: [] for n in networks}
    for thread in threads:
        by_network[thread.network_id].append(thread)
    return [
        (n, by_network[n.id], {t.id: unread[t.id] for t in by_network[n.id] if t.id in unread})
        for n in networks
    ]


def last_read_seq(person: Person, thread: Thread) -> int:
    """The person's read marker in a thread the caller has had from ``get_thread`` or
    ``thread_for_reader`` (0 when they never read it): where the thread page opens."""
    stmt = sa.select(ThreadRead.last_read_seq).where(
        ThreadRead.thread_id == thread.id, ThreadRead.person_id == person.id
    )
    return int(db.session.scalar(stmt) or 0)


SIDEBAR_RECENT = 5
SIDEBAR_UNREAD = 10


def sidebar_threads(
    person: Person, network_ids: list[int], unread: dict[int, int]
) -> dict[int, tuple[list[tuple[int, str]], int]]:
    """For the chat sidebar: per network id, its threads to show as ``(id, title)`` (those
    with unread messages first, at most ``SIDEBAR_UNREAD``, then the ``SIDEBAR_RECENT``
    latest others) and how many threads it has in all. ``network_ids`` are networks the
    person is an active member of (``my_networks_unread``); ``unread`` is
    ``unread_counts(person)``. One query, however many threads there are."""
    if not network_ids:
        return {}
    activity = sa.func.coalesce(Thread.last_message_at, Thread.created_at)
    unread_ids = [tid for tid, n in unread.items() if n]
    is_unread = Thread.id.in_(unread_ids) if unread_ids else sa.false()
    ranked = (
        sa.select(
            Thread.id,
            Thread.network_id,
            Thread.title,
            sa.func.row_number()
            .over(
                partition_by=(Thread.network_id, is_unread),
                order_by=(activity.desc(), Thread.id.desc()),
            )
            .label("rank"),
            sa.func.count().over(partition_by=Thread.network_id).label("total"),
            is_unread.label("unread"),
        )
        .where(Thread.network_id.in_(network_ids))
        .subquery()
    )
    stmt = (
        sa.select(ranked.c.id, ranked.c.network_id, ranked.c.title, ranked.c.total)
        .where(
            sa.or_(
                sa.and_(ranked.c.unread, ranked.c.rank <= SIDEBAR_UNREAD),
                sa.and_(sa.not_(ranked.c.unread), ranked.c.rank <= SIDEBAR_RECENT),
            )
        )
        .order_by(ranked.c.network_id, sa.desc(ranked.c.unread), ranked.c.rank)
    )
    out: dict[int, tuple[list[tuple[int, str]], int]] = {}
    for tid, nid, title, total in db.session.execute(stmt):
        shown, _ = out.get(nid, ([], 0))
        shown.append((tid, title))
        out[nid] = (shown, int(total))
    return out


SIDEBAR_NETWORKS = 50


@functools.cache
def _sidebar_statement() -> sa.Select[Any]:
    # Built once per process (built per call, the sidebar's three statements cost more to
    # build than to run): the person's networks (the first SIDEBAR_NETWORKS by name), each
    # joined with the threads it shows, and the unread counts per thread and network.
    person = sa.bindparam("person_id")
    member_of = sa.select(NetworkMember.network_id).where(
        NetworkMember.person_id == person, NetworkMember.active()
    )
    nets = (
        sa.select(Network.id, Network.name)
        .where(Network.id.in_(member_of))
        .order_by(Network.name, Network.id)
        .limit(SIDEBAR_NETWORKS)
        .cte("sidebar_nets")
    )
    read = (
        sa.select(ThreadRead.thread_id, ThreadRead.last_read_seq)
        .where(ThreadRead.person_id == person)
        .subquery()
    )
    unread = (
        sa.select(Message.thread_id, sa.func.count().label("n"))
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, read.c.thread_id == Message.thread_id)
        .where(
            Thread.network_id.in_(sa.select(nets.c.id)),
            Message.seq > sa.func.coalesce(read.c.last_read_seq, 0),
            Message.author_id != person,
            Message.deleted_at.is_(None),
        )
        .group_by(Message.thread_id)
        .subquery()
    )
    count = sa.func.coalesce(unread.c.n, 0)
    has_unread = unread.c.n.is_not(None)
    ranked = (
        sa.select(
            Thread.id,
            Thread.network_id,
            Thread.title,
            count.label("unread"),
            sa.func.row_number()
            .over(
                partition_by=(Thread.network_id, has_unread),
                order_by=(
                    sa.func.coalesce(Thread.last_message_at, Thread.created_at).desc(),
                    Thread.id.desc(),
                ),
            )
            .label("rank"),
            sa.func.count().over(partition_by=Thread.network_id).label("total"),
            sa.func.sum(count).over(partition_by=Thread.network_id).label("network_unread"),
        )
        .outerjoin(unread, unread.c.thread_id == Thread.id)
        .where(Thread.network_id.in_(sa.select(nets.c.id)))
        .subquery()
    )
    shown = sa.or_(
        sa.and_(ranked.c.unread > 0, ranked.c.rank <= SIDEBAR_UNREAD),
        sa.and_(ranked.c.unread == 0, ranked.c.rank <= SIDEBAR_RECENT),
    )
    return (
        sa.select(
            nets.c.id,
            nets.c.name,
            ranked.c.network_unread,
            ranked.c.id,
            ranked.c.title,
            ranked.c.unread,
            ranked.c.total,
        )
        .select_from(nets)
        .outerjoin(ranked, sa.and_(ranked.c.network_id == nets.c.id, shown))
        .order_by(nets.c.name, nets.c.id, sa.desc(ranked.c.unread > 0), ranked.c.rank)
    )


SidebarRow = tuple[int, str, int, tuple[tuple[int, str, int], ...], int]


def sidebar_rows(person: Person) -> tuple[SidebarRow, ...]:
    """The chat sidebar's data in one statement built once: per network of the person
    (``my_networks_unread``'s first 50, by name) ``(id, name, unread, threads, total)``
    where ``threads`` are the shown ``(thread id, title, unread)`` as ``sidebar_threads``
    picks them and ``total`` how many threads the network has. Plain tuples: the whole
    result is hashable, so the rendered sidebar can be kept under it."""
    out: list[SidebarRow] = []
    current: list[Any] | None = None
    rows = db.session.connection().execute(_sidebar_statement(), {"person_id": person.id})
    for nid, name, net_unread, tid, title, unread, total in rows:
        if current is None or current[0] != nid:
            current = [nid, name, int(net_unread or 0), [], int(total or 0)]
            out.append(current)  # type: ignore[arg-type]
        if tid is not None:
            current[3].append((tid, title, int(unread or 0)))
    return tuple((n, name, u, tuple(threads), t) for n, name, u, threads, t in out)
