"""Passwords, sign-in and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from kollega.audit.services import record
from kollega.auth.models import ApiToken, RecoveryCode, TotpCredential
from kollega.db import now_utc
from kollega.errors import Conflict, NotFound, ValidationError
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
    # Only the person, through the token, in one query built once: every API request and
    # socket connect with a token (benchmarks/connect_join.py).
    person = db.session.scalar(_PERSON_FOR_TOKEN, {"token_hash": _digest(token)})
    if person is None or not person.active:
        return None
    return person


_PERSON_FOR_TOKEN = (
    sa.select(Person)
    .join(ApiToken, ApiToken.person_id == Person.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    .limit(1)
)


def revoke_token(person: Person, token_id: int) -> str:
    """Revoke one of the person's own tokens (revoking twice keeps the first time);
    returns its digest (``kollega.auth.sockets.disconnect_token`` closes its sockets)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.person_id != person.id:
        raise NotFound(_l("No such token."))
    if row.revoked_at is None:
        row.revoked_at = now_utc()
    db.session.flush()
    return row.token_hash


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


# --- second factor (TOTP, RFC 6238) -------------------------------------------------------

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def totp_credential(person: Person) -> TotpCredential | None:
    """The person's TOTP credential, confirmed or not."""
    return db.session.scalar(sa.select(TotpCredential).where(TotpCredential.person_id == person.id))


def has_second_factor(person: Person) -> bool:
    """Whether the person has a confirmed TOTP credential."""
    cred = totp_credential(person)
    return cred is not None and cred.confirmed_at is not None


def begin_totp(person: Person) -> TotpCredential:
    """Start (or restart) enrolment with a fresh secret; ``Conflict`` if already enrolled."""
    cred = totp_credential(person)
    if cred is not None and cred.confirmed_at is not None:
        raise Conflict(_l("A second factor is already set up."))
    if cred is None:
        cred = TotpCredential(person_id=person.id, secret=pyotp.random_base32())
        db.session.add(cred)
    db.session.flush()
    return cred


def provisioning_uri(person: Person, cred: TotpCredential) -> str:
    """The otpauth:// URI that authenticator apps read (as text or QR code)."""
    return pyotp.TOTP(cred.secret).provisioning_uri(name=person.email, issuer_name="kollega")


def _matching_step(cred: TotpCredential, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step a code belongs to (now, or one step either side for clock drift)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(cred.secret)
    moment = now or dt.datetime.now(dt.UTC)
    for drift in (0, -1, 1):
        when = moment + dt.timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(totp.at(when), code):
            return int(totp.timecode(when))
    return None


def _accept_totp(cred: TotpCredential, code: str) -> bool:
    step = _matching_step(cred, code)
    # A code already used (or an older one) is refused: one code, one sign-in.
    if step is None or (cred.last_step is not None and step <= cred.last_step):
        return False
    cred.last_step = step
    return True


def confirm_totp(person: Person, code: str) -> list[str]:
    """Finish enrolment with a first code; returns new recovery codes (shown once)."""
    cred = totp_credential(person)
    if cred is None or cred.confirmed_at is not None:
        raise Conflict(_l("Start the set-up again."))
    if not _accept_totp(cred, code):
        raise ValidationError(
            _l("The code is not right. Check the time on your phone and try again."),
            fields={"code": _l("Enter the 6 digits the app shows now.")},
        )
    cred.confirmed_at = now_utc()
    codes = new_recovery_codes(person)
    db.session.flush()
    return codes


def _recovery_digest(code: str) -> str:
    return _digest("recovery:" + "".join(code.lower().replace("-", "").split()))


def new_recovery_codes(person: Person) -> list[str]:
    """Replace the person's recovery codes with new ones; only their hashes are stored."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(person_id=person.id, code_hash=_recovery_digest(code)))
    db.session.flush()
    return codes


def unused_recovery_codes(person: Person) -> int:
    """How many recovery codes the person has left."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.person_id == person.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def verify_second_factor(person: Person, code: str) -> str | None:
    """Check a TOTP or recovery code at sign-in: ``"totp"``, ``"recovery"`` or ``None``.

    A recovery code works once; a TOTP code once per time step.
    """
    cred = totp_credential(person)
    if cred is None or cred.confirmed_at is None or not code or len(code) > 64:
        return None
    if _accept_totp(cred, code):
        db.session.flush()
        return "totp"
    row = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.person_id == person.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return None
    row.used_at = now_utc()
    db.session.flush()
    return "recovery"


def disable_totp(person: Person) -> None:
    """Remove the person's second factor and recovery codes."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.person_id == person.id))
    db.session.execute(sa.delete(TotpCredential).where(TotpCredential.person_id == person.id))
    db.session.flush()


def reset_second_factor(person: Person, actor_id: int | None, via: str) -> None:
    """An operator removes a lost second factor (phone and recovery codes gone): the person
    is signed out everywhere (the edge closes their sockets after commit) and, where it is
    required, sets it up again at the next sign-in. ``Conflict`` when there is none."""
    if not has_second_factor(person):
        raise Conflict(_l("This person has no second factor."))
    disable_totp(person)
    person.session_token = secrets.token_urlsafe(24)
    record(
        "auth.second_factor_reset",
        actor_id=actor_id,
        target_type="person",
        target_id=person.id,
        via=via,
    )
    db.session.flush()
