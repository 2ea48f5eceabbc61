"""Which Socket.IO connections belong to a person, across processes.

Every socket joins its person's room (``person:<id>``), which python-socketio only knows
inside one process. With a message queue (production: several web processes), each
connect is also recorded in Redis (a sorted set of sids per person, scored by the time it
was last seen), so any process can list the person's sids; ``server.disconnect(sid)``
then closes a sid on whichever process holds it (the pub/sub manager forwards it).
Entries of sockets that closed on their own simply age out: disconnecting an unknown sid
does nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from kollega.auth import sessions
from kollega.auth.models import ApiToken, RevokedSession
from kollega.extensions import db, socketio
from kollega.org.models import Person
from kollega.realtime import person_room, publish

# A socket re-records itself on activity at most this often; entries older than
# _KEEP are dropped (a socket silent that long is closed by the idle rules anyway).
REFRESH = 600
_KEEP = 24 * 60 * 60


def _redis() -> Any:
    """The Redis client for the registry, or ``None`` in the one-process default."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not (app.config.get("SOCKETIO_MESSAGE_QUEUE") and app.config.get("REDIS_URL")):
        return None
    client = app.extensions.get("kollega_socket_registry")
    if client is None:
        import redis

        client = redis.Redis.from_url(app.config["REDIS_URL"])
        app.extensions["kollega_socket_registry"] = client
    return client


def _key(person_id: int) -> str:
    return _group_key(person_room(person_id))


def _group_key(group: str) -> str:
    return f"kollega:sockets:{group}"


def session_group(session_id: str) -> str:
    """The room (and registry key) of one browser session's sockets."""
    return f"session:{session_id}"


def token_group(token_digest: str) -> str:
    """The room (and registry key) of the sockets opened with one bearer token."""
    return f"token:{token_digest}"


def remember(
    person_id: int, sid: str, groups: tuple[str, ...] = (), give_revision: bool = False
) -> None:
    """Record (or refresh) that ``sid`` is a socket of the person (and of ``groups``:
    its browser session or its token); with ``give_revision``, in the same round trip,
    ``give_revision(person_id)`` (a connect whose person had none: their first event
    then finds one)."""
    client = _redis()
    if client is None:
        return
    now = time.time()
    # On every connect (benchmarks/connect_join.py): no MULTI (nothing here needs it), and
    # the old entries trimmed at one call in _TRIM_EVERY (they are only ever closed again).
    trim = secrets.randbelow(_TRIM_EVERY) == 0
    with client.pipeline(transaction=False) as pipe:
        for key in (_key(person_id), *(_group_key(g) for g in groups if g)):
            pipe.zadd(key, {sid: now})
            if trim:
                pipe.zremrangebyscore(key, 0, now - _KEEP)
            pipe.expire(key, _KEEP)
        if give_revision:
            pipe.set(revision_key(person_id), secrets.token_hex(8), ex=_REVISION_TTL, nx=True)
        pipe.execute()


_TRIM_EVERY = 16


def sids_of(person_id: int) -> set[str]:
    """The person's socket ids on every process (only this process's without Redis)."""
    return sids_in(person_room(person_id))


def sids_in(group: str) -> set[str]:
    """The socket ids of a group (a room name: person, session, token) on every process
    (only this process's without Redis)."""
    sids: set[str] = set()
    server = socketio.server
    if server is not None:
        sids |= {sid for sid, _ in server.manager.get_participants("/", group)}
    client = _redis()
    if client is not None:
        sids |= {s.decode() for s in client.zrange(_group_key(group), 0, -1)}
    return sids


def forget(person_id: int) -> None:
    client = _redis()
    if client is not None:
        client.delete(_key(person_id))


def disconnect_group(group: str) -> None:
    """Tell and close every open socket of a browser session or a token, on every
    process (as ``disconnect_person``). Call it after the change is committed."""
    publish(group, "session:ended", {})
    server = socketio.server
    if server is None:
        return
    for sid in sids_in(group):
        server.disconnect(sid, namespace="/")
    client = _redis()
    if client is not None:
        client.delete(_group_key(group))


def disconnect_session(session_id: str) -> None:
    """Close the sockets of one signed-out browser session (the person's others stay)."""
    disconnect_group(session_group(session_id))


def disconnect_token(token_digest: str) -> None:
    """Close the sockets opened with a revoked token."""
    disconnect_group(token_group(token_digest))


# --- person revisions ------------------------------------------------------------------------
# Every socket event checks that its person is still active and signed in (same session
# token). With a shared Redis that check need not read the database each time: a person's
# revision is a random value in Redis, replaced after every commit that changed the person
# (the session hooks below, in every process and command), and a socket keeps the row it
# last read with the revision it saw just before reading it. An event whose revision is
# unchanged uses the kept row; any other reads the row again. Random values, not counters,
# so a Redis that lost its keys can never hand back a value a socket already holds.

_REVISION_TTL = 7 * 24 * 60 * 60
_CHANGED = "kollega_people_changed"


def revision_key(person_id: int) -> str:
    # Under the Socket.IO channel: installations (and test databases) sharing a Redis
    # keep their people apart.
    return f"{current_app.config['SOCKETIO_CHANNEL']}:person:{person_id}:revision"


def shares_revisions() -> bool:
    """Whether person revisions are kept (a shared Redis); without one, every socket
    event reads the person from the database."""
    return _redis() is not None


def revision(person_id: int) -> str:
    """The person's current revision ("" before the first change that was recorded)."""
    value = _redis().get(revision_key(person_id))
    return value.decode() if value else ""


def give_revision(person_id: int) -> None:
    """Give the person a revision if they have none (never renewed, or Redis lost it). A
    row is never kept under "no revision": a Redis that lost its keys would hand that
    back after a change."""
    _redis().set(revision_key(person_id), secrets.token_hex(8), ex=_REVISION_TTL, nx=True)


def bump_revisions(person_ids: set[int]) -> None:
    """Give each person a new revision: their sockets read them again on their next event."""
    client = _redis()
    if client is None or not person_ids:
        return
    with client.pipeline(transaction=False) as pipe:
        for person_id in sorted(person_ids):
            pipe.set(revision_key(person_id), secrets.token_hex(8), ex=_REVISION_TTL)
        pipe.execute()


@event.listens_for(Session, "after_flush")
def _note_changed_people(session: Session, _context: Any) -> None:
    # Kept through a rollback: a needless renewal costs one re-read, a missed one a stale row.
    changed = {obj.id for obj in (*session.dirty, *session.deleted) if isinstance(obj, Person)}
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _bump_changed_people(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: renew only once the whole transaction has committed
    changed = session.info.pop(_CHANGED, None)
    if not changed or not has_app_context():
        return
    try:
        bump_revisions(changed)
    except Exception:  # the commit stands; sockets then keep the row until they reconnect
        current_app.logger.exception("could not renew the revisions of people %s", changed)


# --- closing sockets whose session has run out ----------------------------------------------
# A cookie socket's events are refused once its session is idle or too old, but an idle
# socket sends no events and would go on hearing broadcasts (new messages on a shared PC).
# Each process therefore keeps its own sockets' sign-in and last-activity times and a
# background task closes the expired ones. The task stops when the process has no sockets
# left and starts again with the next connect.

_LOCAL = "kollega_socket_sessions"
_SWEEPER = "kollega_socket_sweeper"
_lock = threading.Lock()


def track(
    sid: str, auth_at: float | None, seen_at: float, via_token: bool, ident: str = ""
) -> None:
    """Record a new socket of this process (``auth_at`` None for bearer-token sockets,
    which are not sessions and only end when the token or the person does). ``ident``
    is the browser session's id, or the token's digest: the sweep closes the socket
    once that session is signed out or that token revoked (from any process)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        app.extensions.setdefault(_LOCAL, {})[sid] = [auth_at, seen_at, via_token, ident]
        if app.extensions.get(_SWEEPER) or app.config.get("SOCKET_SWEEP_SECONDS", 60) <= 0:
            return
        app.extensions[_SWEEPER] = True
    socketio.start_background_task(_sweep_loop, app)


def touch(sid: str, seen_at: float) -> None:
    """The socket was active (its own event) at ``seen_at``."""
    entry = current_app.extensions.get(_LOCAL, {}).get(sid)
    if entry is not None:
        entry[1] = seen_at


def sweep(app: Any, now: float | None = None) -> int:
    """Close this process's sockets whose session has run out or was signed out, and
    those opened with a token since revoked; drop the entries of sockets that are gone.
    Returns how many were closed."""
    server = socketio.server
    now = time.time() if now is None else now
    closed = 0
    with _lock:
        entries = list(app.extensions.get(_LOCAL, {}).items())
    live = [
        (sid, entry)
        for sid, entry in entries
        if server is not None and server.manager.is_connected(sid, "/")
    ]
    with app.app_context():
        ended = _ended(live, now)
    for sid, _entry in entries:
        if sid in ended:
            server.disconnect(sid, namespace="/")
            closed += 1
        if sid in ended or server is None or not server.manager.is_connected(sid, "/"):
            with _lock:
                app.extensions.get(_LOCAL, {}).pop(sid, None)
    return closed


def _ended(live: list[tuple[str, list[Any]]], now: float) -> set[str]:
    """The sids among ``live`` whose session ran out or was revoked, or whose token was
    revoked: one query for the sessions and one for the tokens."""
    ended: set[str] = set()
    session_ids = {entry[3] for _, entry in live if not entry[2] and entry[3]}
    digests = {entry[3] for _, entry in live if entry[2] and entry[3]}
    revoked: set[str] = set()
    valid_tokens: set[str] = set()
    # (In the sweep's own app context, whose end returns the connection.)
    if session_ids:
        revoked = set(
            db.session.scalars(
                sa.select(RevokedSession.id).where(RevokedSession.id.in_(session_ids))
            )
        )
    if digests:
        valid_tokens = set(
            db.session.scalars(
                sa.select(ApiToken.token_hash).where(
                    ApiToken.token_hash.in_(digests), ApiToken.revoked_at.is_(None)
                )
            )
        )
    for sid, (auth_at, seen_at, via_token, ident) in live:
        if via_token:
            if ident and ident not in valid_tokens:
                ended.add(sid)
            continue
        stamps = {sessions.AUTH_AT: auth_at, sessions.SEEN_AT: seen_at}
        if sessions.expiry_reason(stamps, now) is not None or ident in revoked:
            ended.add(sid)
    return ended


def _sweep_loop(app: Any) -> None:
    while True:
        socketio.sleep(app.config.get("SOCKET_SWEEP_SECONDS", 60))
        try:
            sweep(app)
        except Exception:  # a failed pass must not end the task; the next one retries
            app.logger.exception("socket sweep failed")
        with _lock:
            if not app.extensions.get(_LOCAL):
                app.extensions[_SWEEPER] = False
                return


def disconnect_person(person_id: int) -> None:
    """Tell and close every open socket of a person (sign-out, deactivation, role change),
    on every process: with a message queue python-socketio forwards ``disconnect(sid)`` to
    the process that holds the socket. Call it after the change is committed (from
    ``kollega.realtime.on_commit``), so a socket that reconnects at once sees it."""
    publish(person_room(person_id), "session:ended", {})
    server = socketio.server
    if server is None:
        return
    for sid in sids_of(person_id):
        server.disconnect(sid, namespace="/")
    forget(person_id)
