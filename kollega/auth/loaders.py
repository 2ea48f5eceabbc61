"""How a request finds its person: the session cookie, or a bearer token."""

from __future__ import annotations

from flask import Request, g, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from kollega.auth import sessions
from kollega.auth.services import person_for_token
from kollega.extensions import db
from kollega.org.models import Person


def load_person_from_session(user_id: str) -> Person | None:
    person_id, _, token = user_id.partition(":")
    if not person_id.isdigit():
        return None
    person = db.session.get(Person, int(person_id))
    if person is None or not person.active or person.session_token != token:
        return None
    if sessions.is_revoked(session.get(sessions.SESSION_ID)):
        return None  # signed out (kollega.auth.sessions.revoke) or from before session ids
    return person


def load_person_from_request(request: Request) -> Person | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    person = person_for_token(token.strip())
    if person is not None:
        g.auth_via_token = True
    return person


def init_login(login: LoginManager) -> None:
    login.user_loader(load_person_from_session)
    login.request_loader(load_person_from_request)
    login.login_view = "auth.login"
    login.login_message = _l("Please sign in to see this page.")
    login.login_message_category = "info"
    login.session_protection = "basic"
