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

import time
from typing import Any

from flask import Flask, current_app, make_response, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse_many

from kollega.errors import DomainError
from kollega.extensions import limiter

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
    return list(parse_many(raw)) if raw else []


def hit(setting: str, key: str) -> int | None:
    """Count one event against ``setting`` for ``key``.

    Returns ``None`` when allowed, else the seconds to wait; a refused event is not counted.
    """
    if not enabled():
        return None
    strategy = limiter.limiter
    # The same prefix Flask-Limiter puts on its keys: deployments sharing a Redis stay apart.
    scope = (current_app.config.get("RATELIMIT_KEY_PREFIX") or "kollega", setting.lower(), key)
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


def check_socket_event(person_id: int, event: str | None) -> None:
    """Limit socket events per person, and messages (with the API's count) on send."""
    wait = hit("SOCKET_EVENT_RATE_LIMIT", f"person:{person_id}")
    if wait is not None:
        raise RateLimited(_l("Too many requests. Wait %(n)d seconds and try again.", n=wait), wait)
    if event in MESSAGE_EVENTS:
        wait = hit("MESSAGE_RATE_LIMIT", f"person:{person_id}")
        if wait is not None:
            raise RateLimited(too_many_messages(wait), wait)


def _api_limits() -> Any:
    """Before every ``/api/`` request: the per-person API limit, and the message limit."""
    if not request.path.startswith("/api/") or not enabled():
        return None
    from flask_login import current_user

    from kollega.web import error_response

    if current_user.is_authenticated:
        key = f"person:{current_user.id}"
    else:
        key = f"ip:{request.remote_addr}"
    wait = hit("API_RATE_LIMIT", key)
    message: Any = _l("Too many requests. Wait %(n)d seconds and try again.", n=wait or 0)
    sends = request.endpoint in MESSAGE_ENDPOINTS and request.method == "POST"
    if wait is None and sends and current_user.is_authenticated:
        wait = hit("MESSAGE_RATE_LIMIT", key)
        message = too_many_messages(wait or 0)
    if wait is None:
        return None
    response = make_response(error_response(429, message, "rate_limited"))
    response.headers["Retry-After"] = str(wait)
    return response


def init_app(app: Flask) -> None:
    """Register the API limit and the ``Retry-After`` header on refused domain errors."""
    app.before_request(_api_limits)

    @app.errorhandler(RateLimited)
    def rate_limited(exc: RateLimited) -> Any:
        from kollega.extensions import db
        from kollega.web import error_response

        db.session.rollback()
        response = make_response(error_response(429, exc.message, exc.code))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
