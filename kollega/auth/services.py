"""Passwords, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from kollega.auth.models import ApiToken
from kollega.db import now_utc
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import Person

_hasher = PasswordHasher()
# A real hash to verify against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("kollega-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Raise ``ValidationError`` when the password is too weak to accept."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError(
            _l("The password must be at least %(n)d characters long.", n=minimum),
            fields={"password": _l("At least %(n)d characters.", n=minimum)},
        )
    if len(password) > 1024:
        raise ValidationError(_l("The password is too long."), fields={"password": _l("Too long.")})


def set_password(person: Person, password: str) -> None:
    """Set a new password; signs the person out of every other session."""
    check_password_strength(password)
    person.password_hash = hash_password(password)
    person.session_token = secrets.token_urlsafe(24)
    db.session.flush()


def find_by_email(email: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> Person | None:
    """The active person with this e-mail and password, or ``None``.

    Rehashes the stored hash when argon2's parameters have changed.
    """
    person = find_by_email(email)
    stored = person.password_hash if person is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if person is None or stored is None or not person.active:
        return None
    if _hasher.check_needs_rehash(stored):
        person.password_hash = hash_password(password)
        db.session.flush()
    return person


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(person: Person, name: str = "") -> str:
    """Create a bearer token for the person; only its hash is stored."""
    token = "kol_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(person_id=person.id, token_hash=_digest(token), name=name))
    db.session.flush()
    return token


def person_for_token(token: str) -> Person | None:
    """The active person a bearer token belongs to, or ``None`` if unknown or revoked."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.person.active:
        return None
    return row.person


def revoke_token(person: Person, token_id: int) -> None:
    """Revoke one of the person's own tokens (revoking twice keeps the first time)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.person_id != person.id:
        raise NotFound(_l("No such token."))
    if row.revoked_at is None:
        row.revoked_at = now_utc()
    db.session.flush()


def tokens_of(person: Person) -> list[ApiToken]:
    """The person's tokens, newest first (revoked ones too)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.person_id == person.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token_by_id(token_id: int) -> ApiToken:
    """Revoke any token by id (the operator's command line); ``NotFound`` if absent."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_l("No such token."))
    if row.revoked_at is None:
        row.revoked_at = now_utc()
    db.session.flush()
    return row
