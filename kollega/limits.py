"""Abuse limits that Flask-Limiter's route decorators cannot express on their own.

Everything counts in the limiter's storage (Redis when ``REDIS_URL`` is set, so the counts
are shared by every process; memory otherwise), with the ``limits`` strategy Flask-Limiter
uses. Each limit is a configuration setting in the ``limits`` notation
("20 per 10 seconds;100 per hour"), keyed per account, per person or per IP address, so
one person hitting a limit never slows anyone else down.

- ``LOGIN_RATE_LIMIT``: sign-in attempts per IP address (Flask-Limiter decorator on the view)
- ``LOGIN_ACCOUNT_RATE_LIMIT``: sign-in and second-factor attempts per account
- ``API_RATE_LIMIT``: ``/api/v1`` requests per person (per IP address before sign-in)
- ``MESSAGE_RATE_LIMIT``: messages sent per person, through the API and sockets together
- ``SOCKET_EVENT_RATE_LIMIT``: socket events per person
"""

from __future__ import annotations

import functools
import time
from typing import Any

from flask import Flask, current_app, make_response, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import RateLimitItem, parse_many

from kollega.errors import DomainError
from kollega.extensions import db, limiter
from kollega.web import error_response

# API operations that send a message: they count against MESSAGE_RATE_LIMIT as well.
MESSAGE_ENDPOINTS = {"api.threads_send"}
MESSAGE_EVENTS = {"message:send"}


class RateLimited(DomainError):
    """Too many requests; ``retry_after`` says in how many seconds to try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: object, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _items(setting: str) -> list[RateLimitItem]:
    raw = current_app.config.get(setting)
    return _parsed(raw) if raw else []


@functools.lru_cache(maxsize=64)
def _parsed(raw: str) -> list[RateLimitItem]:
    return list(parse_many(raw))


def _scope(setting: str, key: str) -> tuple[str, str, str]:
    # The same prefix Flask-Limiter puts on its keys: deployments sharing a Redis stay apart.
    return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "kollega", setting.lower(), key)


# One round trip for several limits (Redis, fixed window, what limits' RedisStorage keeps):
# the groups in order, each tested as a whole and then counted, so a refused group counts
# nothing and the groups after it are not reached, as separate ``hit`` calls would.
# KEYS: every group's keys; ARGV: the number of groups, then per group its size and per
# key its amount and window. Returns 0 when every group was counted, else the refused
# group's number (1-based) and the seconds left in the full window. With a last ARGV of
# "1" the last key is read after counting and its value returned third (a socket event's
# person revision, read in the same round trip).
_HIT_GROUPS = """
local k, a = 1, 2
for g = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a])
  for i = 0, n - 1 do
    local current = tonumber(redis.call("get", KEYS[k + i]) or "0")
    if current >= tonumber(ARGV[a + 1 + 2 * i]) then
      return {g, redis.call("ttl", KEYS[k + i])}
    end
  end
  for i = 0, n - 1 do
    if redis.call("incrby", KEYS[k + i], 1) == 1 then
      redis.call("expire", KEYS[k + i], ARGV[a + 2 + 2 * i])
    end
  end
  k, a = k + n, a + 1 + 2 * n
end
if ARGV[a] == "1" then
  return {0, 0, redis.call("get", KEYS[k])}
end
return {0, 0}
"""


def _redis_script() -> Any:
    """The script on the limiter's Redis, or ``None`` unless the limiter counts fixed
    windows in a plain Redis (memory storage, other strategies: one ``hit`` at a time)."""
    from limits.storage import RedisStorage
    from limits.strategies import FixedWindowRateLimiter

    strategy = limiter.limiter
    storage = getattr(strategy, "storage", None)
    if type(strategy) is not FixedWindowRateLimiter or type(storage) is not RedisStorage:
        return None
    script = current_app.extensions.get("kollega_limit_script")
    if script is None or script[0] is not storage:
        script = (storage, storage.get_connection().register_script(_HIT_GROUPS))
        current_app.extensions["kollega_limit_script"] = script
    return script


def hit_all(limits: list[tuple[str, str]]) -> tuple[int, int] | None:
    """``hit`` for several ``(setting, key)`` in order, in one Redis round trip where the
    storage allows: ``None`` when all were counted, else the refused one's index in
    ``limits`` and the seconds to wait (nothing from it on is counted)."""
    return _hit_all(limits, None)[0]


NOT_READ = object()


def _hit_all(limits: list[tuple[str, str]], read: str | None) -> tuple[tuple[int, int] | None, Any]:
    """``hit_all``, and the value of the Redis key ``read`` when it could be read in the
    same round trip (else ``NOT_READ``)."""
    if not enabled():
        return None, NOT_READ
    script = _redis_script()
    if script is None:
        for index, (setting, key) in enumerate(limits):
            wait = hit(setting, key)
            if wait is not None:
                return (index, wait), NOT_READ
        return None, NOT_READ
    storage, run = script
    keys: list[str] = []
    args: list[int | str] = [0]
    groups: list[int] = []  # index in ``limits`` of each group that has items
    for index, (setting, key) in enumerate(limits):
        items = _items(setting)
        if not items:
            continue
        groups.append(index)
        args.append(len(items))
        for item in items:
            keys.append(storage.prefixed_key(item.key_for(*_scope(setting, key))))
            args += [item.amount, item.get_expiry()]
    if not groups and read is None:
        return None, NOT_READ
    args[0] = len(groups)
    if read is not None:
        keys.append(read)
        args.append("1")
    reply = run(keys, args)
    refused, ttl = int(reply[0]), int(reply[1])
    value = reply[2] if read is not None and len(reply) > 2 else NOT_READ
    if refused == 0:
        return None, value
    return (groups[refused - 1], max(1, ttl)), NOT_READ


def hit(setting: str, key: str) -> int | None:
    """Count one event against ``setting`` for ``key``.

    Returns ``None`` when allowed, else the seconds to wait; a refused event is not counted.
    """
    if not enabled():
        return None
    strategy = limiter.limiter
    scope = _scope(setting, key)
    items = _items(setting)
    for item in items:
        if not strategy.test(item, *scope):
            reset_at, _ = strategy.get_window_stats(item, *scope)
            return max(1, int(reset_at - time.time()) + 1)
    for item in items:
        strategy.hit(item, *scope)
    return None


def check(setting: str, key: str, message: object) -> None:
    """``hit``, raising ``RateLimited`` with the translated ``message`` when over the limit."""
    wait = hit(setting, key)
    if wait is not None:
        raise RateLimited(message, wait)


def too_many_messages(wait: int) -> Any:
    return _l("You are sending messages too fast. Wait %(n)d seconds and try again.", n=wait)


def check_socket_event(person_id: int, event: str | None, read: str | None = None) -> Any:
    """Limit socket events per person, and messages (with the API's count) on send: one
    Redis round trip for both, which also reads the key ``read`` when given. Returns its
    value (``None`` when the key is not set), or ``NOT_READ`` when it could not be read
    in that round trip (the limiter counts elsewhere than in Redis, or is off)."""
    key = f"person:{person_id}"
    limits = [("SOCKET_EVENT_RATE_LIMIT", key)]
    if event in MESSAGE_EVENTS:
        limits.append(("MESSAGE_RATE_LIMIT", key))
    refused, value = _hit_all(limits, read)
    if refused is None:
        return value
    index, wait = refused
    if index == 0:
        raise RateLimited(_l("Too many requests. Wait %(n)d seconds and try again.", n=wait), wait)
    raise RateLimited(too_many_messages(wait), wait)


def _api_limits() -> Any:
    """Before every ``/api/`` request: the per-person API limit, and the message limit."""
    if not request.path.startswith("/api/") or not enabled():
        return None
    if current_user.is_authenticated:
        key = f"person:{current_user.id}"
    else:
        key = f"ip:{request.remote_addr}"
    limits = [("API_RATE_LIMIT", key)]
    sends = request.endpoint in MESSAGE_ENDPOINTS and request.method == "POST"
    if sends and current_user.is_authenticated:
        limits.append(("MESSAGE_RATE_LIMIT", key))
    refused = hit_all(limits)
    if refused is None:
        return None
    index, wait = refused
    if index == 0:
        message: Any = _l("Too many requests. Wait %(n)d seconds and try again.", n=wait)
    else:
        message = too_many_messages(wait)
    response = make_response(error_response(429, message, "rate_limited"))
    response.headers["Retry-After"] = str(wait)
    return response


def init_app(app: Flask) -> None:
    """Register the API limit and the ``Retry-After`` header on refused domain errors."""
    app.before_request(_api_limits)

    @app.errorhandler(RateLimited)
    def rate_limited(exc: RateLimited) -> Any:
        db.session.rollback()
        response = make_response(error_response(429, exc.message, exc.code))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
