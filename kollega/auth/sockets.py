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

import time
from typing import Any

from flask import current_app

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
    return f"kollega:sockets:person:{person_id}"


def remember(person_id: int, sid: str) -> None:
    """Record (or refresh) that ``sid`` is a socket of the person."""
    client = _redis()
    if client is None:
        return
    now = time.time()
    key = _key(person_id)
    with client.pipeline() as pipe:
        pipe.zadd(key, {sid: now})
        pipe.zremrangebyscore(key, 0, now - _KEEP)
        pipe.expire(key, _KEEP)
        pipe.execute()


def sids_of(person_id: int) -> set[str]:
    """The person's socket ids on every process (only this process's without Redis)."""
    from kollega.extensions import socketio
    from kollega.realtime import person_room

    sids: set[str] = set()
    server = socketio.server
    if server is not None:
        sids |= {sid for sid, _ in server.manager.get_participants("/", person_room(person_id))}
    client = _redis()
    if client is not None:
        sids |= {s.decode() for s in client.zrange(_key(person_id), 0, -1)}
    return sids


def forget(person_id: int) -> None:
    client = _redis()
    if client is not None:
        client.delete(_key(person_id))
