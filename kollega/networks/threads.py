"""Use cases of threads: list, read, open (also on behalf of the system), resolve, accept
an answer, follow.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.db import now_utc
from kollega.errors import NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks import broadcast
from kollega.networks.common import (
    as_int,
    clean_choice,
    clean_text,
    competence_codes,
    dialect_insert,
    load_message,
    load_network,
    load_thread,
    require_post,
    require_read,
)
from kollega.networks.members import ensure_member
from kollega.networks.models import (
    EXPERIENCE_FIELDS,
    THREAD_KINDS,
    Message,
    Network,
    NetworkMember,
    Notification,
    Thread,
    ThreadFollow,
    ThreadRead,
)
from kollega.networks.networks import get_network
from kollega.networks.render import MAX_BODY
from kollega.networks.send import post_system_message, send_message, system_author
from kollega.org.models import Person

EXPERIENCE_PARTS = (
    ("situation", _l("Situation")),
    ("what_we_did", _l("What we did")),
    ("what_we_learned", _l("What we learned")),
    ("next_time", _l("Next time")),
)


def experience_body(parts: dict[str, Any]) -> str:
    """The Markdown of an experience thread's four parts: one ``###`` heading each, the
    empty parts left out."""
    chunks = []
    for key, label in EXPERIENCE_PARTS:
        text = parts.get(key)
        if text:
            chunks.append(f"### {label}\n\n{text}")
    return "\n\n".join(chunks)


def clean_parts(parts: dict[str, Any] | None) -> dict[str, str]:
    """The filled experience parts, each checked as text (``ValidationError`` on the
    part's field); unknown keys are ignored."""
    if not parts:
        return {}
    cleaned = {}
    for key in EXPERIENCE_FIELDS:
        text = clean_text(parts.get(key), key, required=False, max_len=MAX_BODY // 4)
        if text:
            cleaned[key] = text
    return cleaned


def experience_parts(thread: Thread) -> dict[str, str | None] | None:
    """An experience thread's four parts as stored (None for other kinds)."""
    if thread.kind != "experience":
        return None
    return {key: getattr(thread, key) for key in EXPERIENCE_FIELDS}


def first_message(kind: str, body: str, parts: dict[str, str]) -> str:
    """The opening message's Markdown. Nothing typed is lost: an experience is its parts
    then the free text; any other kind with experience parts filled in (typed before the
    kind was switched) keeps them, folded under the body as the same headings."""
    folded = experience_body(parts)
    if kind == "experience":
        return "\n\n".join(chunk for chunk in (folded, body) if chunk)
    return "\n\n".join(chunk for chunk in (body, folded) if chunk)


def list_threads(person: Person, network_id: Any, limit: int = 200) -> list[Thread]:
    """Threads of a network, latest activity first."""
    network = load_network(network_id)
    require_read(person, network)
    stmt = (
        sa.select(Thread)
        .where(Thread.network_id == network.id)
        .order_by(
            sa.func.coalesce(Thread.last_message_at, Thread.created_at).desc(), Thread.id.desc()
        )
        .limit(max(1, min(limit, 1000)))
    )
    return list(db.session.scalars(stmt))


def get_thread(person: Person, thread_id: Any) -> Thread:
    """The thread, when the person may read its network."""
    thread = load_thread(thread_id)
    try:
        require_read(person, thread.network)
    except NotFound:
        raise NotFound(_l("No such thread.")) from None
    return thread


class Record:
    """One row of a table as read-only attributes under the model's names (a plain
    object, not an ORM instance: no identity map, no loading, nothing flushed)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read only")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"


class NetworkRecord(Record):
    is_archived = Network.is_archived
    is_closed = Network.is_closed


class MemberRecord(Record):
    is_active = NetworkMember.is_active


class ThreadRecord(Record):
    network: NetworkRecord


def _columns(model: Any) -> list[tuple[str, Any]]:
    return [(prop.key, prop.columns[0]) for prop in sa.inspect(model).column_attrs]


@functools.cache
def _reader_statement() -> tuple[sa.Select[Any], tuple[list[str], list[str], list[str]]]:
    # Built once per process (built per call, it cost as much as running it). Plain
    # columns on the connection: the ORM's handling of three entities cost more than the
    # read (the thread page, #20).
    person = sa.bindparam("person_id")
    following = (
        sa.select(ThreadFollow.thread_id)
        .where(ThreadFollow.thread_id == Thread.id, ThreadFollow.person_id == person)
        .exists()
    )
    last_read = (
        sa.select(ThreadRead.last_read_seq)
        .where(ThreadRead.thread_id == Thread.id, ThreadRead.person_id == person)
        .scalar_subquery()
    )
    # The bell's count (``notifications.unread_notification_count``) in the same read.
    notifications = (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.person_id == person, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    thread, network, member = _columns(Thread), _columns(Network), _columns(NetworkMember)
    statement = (
        sa.select(
            *(c for _, c in thread),
            *(c for _, c in network),
            *(c for _, c in member),
            following,
            last_read,
            notifications,
        )
        .select_from(Thread)
        .join(Network, Network.id == Thread.network_id)
        .outerjoin(
            NetworkMember,
            sa.and_(
                NetworkMember.network_id == Thread.network_id,
                NetworkMember.person_id == person,
                NetworkMember.current(),
            ),
        )
        .where(Thread.id == sa.bindparam("thread_id"))
    )
    return statement, ([k for k, _ in thread], [k for k, _ in network], [k for k, _ in member])


def thread_for_reader(
    person: Person, thread_id: Any
) -> tuple[ThreadRecord, MemberRecord | None, bool, int, int]:
    """``get_thread``, the person's membership row (as ``permissions.network_membership``
    gives it, for the page's other checks), whether they follow the thread, their read
    marker in it (0: never read; as ``reads.last_read_seq``) and their unread
    notifications (``unread_notification_count``), in one query (the thread page's).
    The thread (with ``.network``) and the membership are read-only records with every
    column of their models, not ORM objects."""
    statement, (thread_keys, network_keys, member_keys) = _reader_statement()
    row = (
        db.session.connection()
        .execute(statement, {"thread_id": as_int(thread_id, "thread_id"), "person_id": person.id})
        .one_or_none()
    )
    if row is None:
        raise NotFound(_l("No such thread."))
    n_thread, n_network, n_member = len(thread_keys), len(network_keys), len(member_keys)
    network = NetworkRecord(
        dict(zip(network_keys, row[n_thread : n_thread + n_network], strict=True))
    )
    values = dict(zip(thread_keys, row[:n_thread], strict=True))
    values["network"] = network
    thread = ThreadRecord(values)
    at = n_thread + n_network
    member = None
    if row[at + member_keys.index("id")] is not None:  # an outer join's row
        member = MemberRecord(dict(zip(member_keys, row[at : at + n_member], strict=True)))
    follows, last_read, notifications = row[at + n_member :]
    if not permissions.can_read_network(person, network, member):
        try:  # refused: the usual checks on the network itself, for the usual answer
            require_read(person, db.session.get(Network, network.id))
        except NotFound:
            raise NotFound(_l("No such thread.")) from None
    return thread, member, bool(follows), int(last_read or 0), int(notifications or 0)


def require_open_thread(person: Person, network: Any) -> None:
    """Refuse the new-thread composer to those who may not open a thread in the network
    (``NotFound`` when they may not know of it, else ``PermissionDenied``)."""
    require_post(person, network)


def open_thread(
    person: Person,
    network_id: Any,
    title: Any,
    kind: Any = "discussion",
    body: Any = "",
    competence_tags: Any = None,
    client_id: Any = None,
    parts: dict[str, Any] | None = None,
) -> tuple[Thread, Message | None]:
    """Open a thread whose first message is ``body`` and, for an experience, its four
    ``parts`` (stored on the thread too); parts sent with another kind are kept in the
    message (``first_message``). A thread with neither body nor part is refused.
    Learning stops are opened by facilitators (and the annual cycle)."""
    network = load_network(network_id)
    require_post(person, network)
    title = clean_text(title, "title", required=True, max_len=200)
    kind = clean_choice(kind, "kind", THREAD_KINDS, "discussion")
    tags = competence_codes(competence_tags, "competence_tags")
    if kind == "learning_stop" and not permissions.is_facilitator(person, network):
        raise PermissionDenied(_l("Learning stops are opened by the network's facilitators."))
    filled = clean_parts(parts)
    body = clean_text(body, "body", required=False, max_len=MAX_BODY)
    if not body and not filled:
        field = "situation" if kind == "experience" else "body"
        message = (
            _l("Write at least one of the four parts, or some free text.")
            if kind == "experience"
            else _l("Write the first message.")
        )
        raise ValidationError(message, fields={field: message})
    text = first_message(kind, body, filled)
    if len(text) > MAX_BODY:
        message = _l("The message is too long (at most %(n)d characters).", n=MAX_BODY)
        raise ValidationError(message, fields={"body": message})
    ensure_member(person, network)
    thread = Thread(
        network_id=network.id,
        title=title,
        kind=kind,
        competence_tags=tags,
        created_by_id=person.id,
        last_seq=0,
        **(filled if kind == "experience" else {}),
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(ThreadFollow(thread_id=thread.id, person_id=person.id))
    first = send_message(person, thread.id, client_id or f"thread-{thread.id}-open", text).message
    db.session.flush()
    return thread, first


def _require_manage(person: Person, thread: Thread) -> None:
    if permissions.can_manage_thread(person, thread):
        return
    require_read(person, thread.network)
    if thread.network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    raise PermissionDenied(_l("Only the thread's opener or a facilitator can do this."))


def resolve_thread(person: Person, thread_id: Any, resolved: bool = True) -> Thread:
    """Mark a thread resolved, or reopen it (opener or facilitator); queues
    ``thread:updated``."""
    thread = load_thread(thread_id)
    _require_manage(person, thread)
    thread.resolved = bool(resolved)
    thread.resolved_at = now_utc() if resolved else None
    db.session.flush()
    broadcast.thread_updated(thread)
    return thread


def accept_answer(person: Person, thread_id: Any, message_id: Any) -> Thread:
    """Mark a message as the accepted answer of a question (opener or facilitator);
    ``message_id`` None clears it. Queues ``thread:updated``."""
    thread = load_thread(thread_id)
    _require_manage(person, thread)
    if thread.kind != "question":
        raise ValidationError(_l("Only questions have an accepted answer."))
    if message_id in (None, ""):
        thread.accepted_message_id = None
    else:
        message = load_message(message_id)
        if message.thread_id != thread.id or message.is_deleted:
            raise ValidationError(
                _l("The answer must be a message in this thread."),
                fields={"message_id": _l("Not in this thread.")},
            )
        thread.accepted_message_id = message.id
        thread.resolved = True
        thread.resolved_at = now_utc()
    db.session.flush()
    broadcast.thread_updated(thread)
    return thread


def follow_thread(person: Person, thread_id: Any, follow: bool = True) -> bool:
    """Follow (be notified of new messages) or unfollow a thread. Returns the new state."""
    thread = get_thread(person, thread_id)
    if follow:
        db.session.execute(
            dialect_insert(ThreadFollow)
            .values(thread_id=thread.id, person_id=person.id, created_at=now_utc())
            .on_conflict_do_nothing()
        )
    else:
        db.session.execute(
            sa.delete(ThreadFollow).where(
                ThreadFollow.thread_id == thread.id, ThreadFollow.person_id == person.id
            )
        )
    db.session.flush()
    return follow


def is_following(person: Person, thread_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(ThreadFollow.thread_id).where(
                ThreadFollow.thread_id == thread_id, ThreadFollow.person_id == person.id
            )
        )
        is not None
    )


def open_system_thread(
    network_id: int,
    title: str,
    kind: str = "learning_stop",
    body: str = "",
    competence_tags: Sequence[str] = (),
    author: Person | None = None,
) -> Thread | None:
    """Open a thread on behalf of the system (the annual cycle opens learning stops).
    The first message is posted by ``author`` or, without one, the first facilitator.
    ``None`` when the network is missing or not active."""
    network = get_network(network_id)
    if network is None or network.status != "active":
        return None
    poster = system_author(network.id, author)
    thread = Thread(
        network_id=network.id,
        title=clean_text(title, "title", required=True, max_len=200),
        kind=clean_choice(kind, "kind", THREAD_KINDS, "discussion"),
        competence_tags=competence_codes(list(competence_tags), "competence_tags"),
        created_by_id=poster.id if poster else None,
        last_seq=0,
    )
    db.session.add(thread)
    db.session.flush()
    if body and poster is not None:
        post_system_message(thread.id, body, poster)
    return thread


def forget_experience_parts(
    author_id: int | None = None,
    before: dt.datetime | None = None,
    archived_only: bool = False,
) -> int:
    """Clear the stored experience parts (privacy): of the threads ``author_id`` opened
    (erasure), or of threads opened before ``before`` (retention; ``archived_only``: in
    archived networks only), as their opening messages go. Returns how many threads."""
    stmt = sa.update(Thread).where(
        sa.or_(*(Thread.__table__.c[key].is_not(None) for key in EXPERIENCE_FIELDS))
    )
    if author_id is not None:
        stmt = stmt.where(Thread.created_by_id == author_id)
    if before is not None:
        stmt = stmt.where(Thread.created_at < before)
    if archived_only:
        stmt = stmt.where(
            Thread.network_id.in_(sa.select(Network.id).where(Network.status == "archived"))
        )
    if author_id is None and before is None:
        return 0
    result = db.session.execute(
        stmt.values(dict.fromkeys(EXPERIENCE_FIELDS)),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
