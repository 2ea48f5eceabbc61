"""Session lifetime and the second-factor gate, checked on every request and socket connect.

A browser session carries when it signed in (``_auth_at``), when it was last seen
(``_seen_at``) and whether a second factor was given (``_mfa``). Bearer tokens are not
sessions: they live until revoked, and these rules do not apply to them.

Revocation is the person's ``session_token`` (part of the login cookie and of every
socket's identity): changing it signs the person out everywhere at the next request or
socket event; ``kollega.auth.sockets.disconnect_person`` closes their open sockets at once.

Each browser session also has its own id (``_session_id``, given at sign-in). Signing out
revokes that one session on the server (a ``RevokedSession`` row, kept until the session
would have run out anyway): the old cookie is then refused on every page, API call and
socket connect, while the person's other devices stay signed in;
``kollega.auth.sockets.disconnect_session`` closes the session's open sockets. A cookie
without a session id (from before session ids) is not accepted.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from kollega.auth.models import RevokedSession
from kollega.db import now_utc
from kollega.extensions import db
from kollega.web import error_response, wants_json

SESSION_ID = "_session_id"
AUTH_AT = "_auth_at"
SEEN_AT = "_seen_at"
MFA = "_mfa"
# Refresh the last-seen stamp at most this often, so the cookie is not rewritten on every request.
_SEEN_GRANULARITY = 15

# Endpoints a person who still owes a second-factor enrolment may reach.
_ENROL_ENDPOINTS = {
    "auth.two_factor_setup",
    "auth.logout",
    "auth.login",
    "home.set_language",
    "static",
}


def start(second_factor: bool) -> None:
    """Stamp a freshly signed-in session (call right after ``login_user``)."""
    now = int(time.time())
    session[SESSION_ID] = secrets.token_urlsafe(24)
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[MFA] = second_factor


def is_revoked(session_id: Any) -> bool:
    """Whether a cookie's session id may no longer be used (signed out, or none at all)."""
    if not isinstance(session_id, str) or not session_id:
        return True
    return db.session.get(RevokedSession, session_id) is not None


def revoke(person_id: int, data: Any) -> str | None:
    """Revoke the browser session in ``data`` (the Flask session) on the server, so that
    its cookie is refused from now on; returns its id (``None`` when it had none). Rows
    of sessions past their absolute timeout are pruned on the way."""
    session_id = data.get(SESSION_ID)
    if not isinstance(session_id, str) or not session_id:
        return None
    now = now_utc()
    # A week's margin: a session revived by a longer absolute timeout set later is refused.
    prune_before = now - dt.timedelta(days=7)
    db.session.execute(sa.delete(RevokedSession).where(RevokedSession.expires_at < prune_before))
    if db.session.get(RevokedSession, session_id) is None:
        auth_at = data.get(AUTH_AT)
        started = (
            dt.datetime.fromtimestamp(auth_at, dt.UTC) if isinstance(auth_at, int | float) else now
        )
        timeout = dt.timedelta(seconds=current_app.config["SESSION_ABSOLUTE_TIMEOUT"])
        db.session.add(
            RevokedSession(
                id=session_id,
                person_id=person_id,
                revoked_at=now,
                expires_at=max(started + timeout, now + dt.timedelta(minutes=1)),
            )
        )
    db.session.flush()
    return session_id


def expiry_reason(data: Any, now: float | None = None) -> Any:
    """Why the session in ``data`` has run out (a translated text), or ``None`` while valid."""
    now = time.time() if now is None else now
    config = current_app.config
    auth_at = data.get(AUTH_AT)
    seen_at = data.get(SEEN_AT)
    if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
        return _l("Please sign in again.")
    if now - auth_at > config["SESSION_ABSOLUTE_TIMEOUT"]:
        return _l("You have been signed in for a long time. Please sign in again.")
    if now - seen_at > config["SESSION_IDLE_TIMEOUT"]:
        return _l("You were signed out after a period without activity. Please sign in again.")
    return None


def end_session() -> None:
    """Sign out of this browser session, keeping only the chosen language."""
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def required_roles() -> set[str]:
    raw = current_app.config.get("TOTP_REQUIRED_ROLES") or ""
    return {r.strip() for r in str(raw).split(",") if r.strip()}


def second_factor_required(person: Any) -> bool:
    """Whether the configuration demands a second factor of this person."""
    return bool(required_roles() & set(person.stored_roles))


def owes_second_factor(data: Any, person: Any) -> bool:
    """A cookie session of a person who must use a second factor but signed in without one."""
    return second_factor_required(person) and not data.get(MFA)


def before_request() -> Any:
    """Enforce idle/absolute timeouts and the second-factor requirement on pages and API."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    reason = expiry_reason(session)
    if reason is not None:
        end_session()
        g.pop("_login_user", None)
        if not wants_json():
            flash(str(reason), "info")
        return None  # go on as anonymous: the route asks for sign-in as it always does
    now = int(time.time())
    if now - session[SEEN_AT] >= _SEEN_GRANULARITY:
        session[SEEN_AT] = now
    if (
        current_user.is_authenticated
        and not g.get("auth_via_token")
        and owes_second_factor(session, current_user)
        and request.endpoint not in _ENROL_ENDPOINTS
    ):
        if wants_json():
            return error_response(
                403,
                _l("Your account must use a second factor. Set it up in kollega first."),
                "second_factor_required",
            )
        return redirect(url_for("auth.two_factor_setup"))
    return None
