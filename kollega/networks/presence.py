"""Who is online in a network: the sockets that joined its room (``network:join``).

One process (the default): a dict in memory. With a message queue (production: several
web processes, ``KOLLEGA_SOCKETIO_MESSAGE_QUEUE`` and ``KOLLEGA_REDIS_URL``) the entries
live in Redis as well, so every process sees every process's sockets: per network a hash
``sid -> [person_id, name]`` and a sorted set ``sid -> last stamped``. Each process
re-stamps its own sids every ``REFRESH`` seconds (a background task); whatever has not
been stamped for ``TTL`` seconds is dropped when read, so the sockets of a killed process
age out. A process that stops gracefully takes its own entries out at once
(``forget_own``: on gunicorn's SIGTERM through gunicorn.conf.py, and at interpreter exit). Re-stamping only updates entries that still exist (``ZADD XX``), so a socket
another process took out of the network (``drop``) does not come back.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app

from kollega.extensions import socketio

REFRESH = 15.0
TTL = 45.0


class MemoryPresence:
    """This process's sockets per network (the whole truth with one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # network_id -> sid -> (person_id, name)
        self._nets: dict[int, dict[str, tuple[int, str]]] = {}

    def join(self, network_id: int, sid: str, person_id: int, name: str) -> None:
        with self._lock:
            self._nets.setdefault(network_id, {})[sid] = (person_id, name)

    def leave(self, network_id: int, sid: str) -> bool:
        """Forget one socket in one network; whether it was there."""
        with self._lock:
            return self._nets.get(network_id, {}).pop(sid, None) is not None

    def disconnect(self, sid: str) -> list[int]:
        """Forget a closed socket everywhere; the networks it was in."""
        with self._lock:
            return [nid for nid, sids in self._nets.items() if sids.pop(sid, None) is not None]

    def drop(self, network_id: int, sids: Iterable[str]) -> bool:
        """Take these sockets (of a person who left) out of the network; whether any was in."""
        changed = False
        for sid in sids:
            changed = self.leave(network_id, sid) or changed
        return changed

    def online(self, network_id: int) -> list[dict[str, Any]]:
        """Each person with a socket in the network, once, by name."""
        with self._lock:
            people = dict(self._nets.get(network_id, {}).values())
        return _listing(people)

    def local(self) -> dict[int, list[str]]:
        with self._lock:
            return {nid: list(sids) for nid, sids in self._nets.items() if sids}


class RedisPresence(MemoryPresence):
    """Presence shared by all processes through Redis (the memory map keeps this
    process's own sids, to re-stamp them and to clean up on disconnect)."""

    def __init__(
        self,
        client: Any,
        prefix: str = "kollega:presence",
        ttl: float = TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
        self.clock = clock

    def _keys(self, network_id: int) -> tuple[str, str]:
        return f"{self.prefix}:{network_id}:who", f"{self.prefix}:{network_id}:seen"

    def join(self, network_id: int, sid: str, person_id: int, name: str) -> None:
        super().join(network_id, sid, person_id, name)
        who, seen = self._keys(network_id)
        keep = int(self.ttl * 4)
        with self.client.pipeline() as pipe:
            pipe.hset(who, sid, json.dumps([person_id, name]))
            pipe.zadd(seen, {sid: self.clock()})
            pipe.expire(who, keep)
            pipe.expire(seen, keep)
            pipe.execute()

    def _remove(self, network_id: int, sids: list[str]) -> bool:
        if not sids:
            return False
        who, seen = self._keys(network_id)
        with self.client.pipeline() as pipe:
            pipe.hdel(who, *sids)
            pipe.zrem(seen, *sids)
            removed, _ = pipe.execute()
        return bool(removed)

    def leave(self, network_id: int, sid: str) -> bool:
        local = super().leave(network_id, sid)
        return self._remove(network_id, [sid]) or local

    def disconnect(self, sid: str) -> list[int]:
        networks = super().disconnect(sid)
        for network_id in networks:
            self._remove(network_id, [sid])
        return networks

    def drop(self, network_id: int, sids: Iterable[str]) -> bool:
        sids = list(sids)
        local = super().drop(network_id, sids)
        return self._remove(network_id, sids) or local

    def online(self, network_id: int) -> list[dict[str, Any]]:
        who, seen = self._keys(network_id)
        with self.client.pipeline() as pipe:
            pipe.zremrangebyscore(seen, "-inf", self.clock() - self.ttl)
            pipe.zrange(seen, 0, -1)
            pipe.hgetall(who)
            _, alive, entries = pipe.execute()
        alive = {s.decode() for s in alive}
        people: dict[int, str] = {}
        stale = []
        for sid, raw in entries.items():
            if sid.decode() in alive:
                person_id, name = json.loads(raw)
                people[int(person_id)] = str(name)
            else:
                stale.append(sid)
        if stale:
            self.client.hdel(who, *stale)
        return _listing(people)

    def forget_own(self) -> None:
        """Take this process's own sockets out of Redis (and memory): it is stopping, and
        its sockets go with it; the others need not wait ``TTL`` for them to age out."""
        with self._lock:
            local = {nid: list(sids) for nid, sids in self._nets.items() if sids}
            self._nets.clear()
        if not local:
            return
        with self.client.pipeline() as pipe:
            for network_id, sids in local.items():
                who, seen = self._keys(network_id)
                pipe.hdel(who, *sids)
                pipe.zrem(seen, *sids)
            pipe.execute()

    def refresh(self) -> None:
        """Re-stamp this process's sockets (only entries that still exist)."""
        now = self.clock()
        keep = int(self.ttl * 4)
        local = self.local()
        if not local:
            return
        with self.client.pipeline() as pipe:
            for network_id, sids in local.items():
                who, seen = self._keys(network_id)
                pipe.zadd(seen, dict.fromkeys(sids, now), xx=True)
                pipe.expire(who, keep)
                pipe.expire(seen, keep)
            pipe.execute()


def _listing(people: dict[int, str]) -> list[dict[str, Any]]:
    return [{"id": pid, "name": name} for pid, name in sorted(people.items(), key=lambda p: p[1])]


_lock = threading.Lock()
_redis_stores: list[RedisPresence] = []


def forget_own_presence() -> None:
    """Take every Redis presence store's own sockets of this process out of Redis; for a
    graceful stop (gunicorn.conf.py's SIGTERM hook, and at interpreter exit). Never
    raises: Redis may be gone already, and then the entries age out as before."""
    import logging

    for store in list(_redis_stores):
        try:
            store.forget_own()
        except Exception:
            logging.getLogger(__name__).warning("presence cleanup failed", exc_info=True)


def presence() -> MemoryPresence:
    """The app's presence store (created on first use; with Redis, its re-stamping
    task starts then too)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("kollega_presence")
    if store is not None:
        return store  # type: ignore[no-any-return]
    with _lock:
        store = app.extensions.get("kollega_presence")
        if store is None:
            if app.config.get("SOCKETIO_MESSAGE_QUEUE") and app.config.get("REDIS_URL"):
                import redis

                store = RedisPresence(redis.Redis.from_url(app.config["REDIS_URL"]))
                _start_refresher(store)
                if not _redis_stores:
                    atexit.register(forget_own_presence)
                _redis_stores.append(store)
            else:
                store = MemoryPresence()
            app.extensions["kollega_presence"] = store
    return store


def _start_refresher(store: RedisPresence) -> None:
    def loop() -> None:
        while True:
            socketio.sleep(REFRESH)
            try:
                store.refresh()
            except Exception:  # Redis away for a moment: try again next round
                import logging

                logging.getLogger(__name__).warning("presence refresh failed", exc_info=True)

    socketio.start_background_task(loop)
