"""Guests invited by e-mail: the guest account, the single-use sign-in link and its use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from kollega.auth.services import find_by_email, normalise_email, set_password
from kollega.db import now_utc
from kollega.errors import Conflict, DomainError, NotFound, ValidationError
from kollega.extensions import db
from kollega.networks.common import clean_text, load_network, membership, require_moderate
from kollega.networks.members import GUEST_IN_ANOTHER_NETWORK, in_another_network, rejoin
from kollega.networks.models import (
    GuestInvitation,
    Network,
    NetworkMember,
)
from kollega.org.models import Person
from kollega.org.services import set_roles


class InvitationGone(DomainError):
    """An invitation link that is unknown, used or expired."""

    status = 410
    code = "gone"


def invite_guest(person: Person, network_id: Any, email: Any, name: Any) -> NetworkMember:
    """Invite someone from outside by e-mail: a guest account (role guest, no unit) that
    belongs to this network only. An existing guest of no other network is added to this
    one; a guest of another network is refused (``Conflict``, 409). The edges use
    ``invite_guest_with_link``, which also hands out the sign-in link's token."""
    return invite_guest_with_link(person, network_id, email, name).member


@dataclass
class GuestInvite:
    member: NetworkMember
    guest: Person
    network: Network
    # The raw token of a new sign-in link (only its hash is stored); None when the guest
    # has a password already and signs in as usual.
    token: str | None


def invite_guest_with_link(person: Person, network_id: Any, email: Any, name: Any) -> GuestInvite:
    """``invite_guest``, plus a fresh single-use link for a guest without a password
    (older unused links of theirs stop working). The edge mails it after commit."""
    network = load_network(network_id)
    require_moderate(person, network)
    email = clean_text(email, "email", required=True, max_len=254)
    name = clean_text(name, "name", required=True, max_len=200)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        message = _l("Not a valid e-mail address.")
        raise ValidationError(message, fields={"email": message}) from None
    guest = find_by_email(email)
    if guest is None:
        guest = Person(email=normalise_email(email), name=name, unit=None, job_code=None)
        db.session.add(guest)
        db.session.flush()
        set_roles(guest, ["guest"])
    elif not guest.is_guest:
        message = _l("This address belongs to an employee; add them as a member instead.")
        raise Conflict(message, fields={"email": message})
    elif in_another_network(guest, network.id):
        message = GUEST_IN_ANOTHER_NETWORK
        raise Conflict(message, fields={"email": message})
    member = membership(network, guest, include_left=True)
    if member is not None and member.left_at is not None:
        member = rejoin(member, "active")
        member.invited_by_id = person.id
    elif member is None:
        member = NetworkMember(
            network_id=network.id,
            person_id=guest.id,
            role="member",
            state="active",
            guest=True,
            invited_by_id=person.id,
            joined_at=now_utc(),
        )
        db.session.add(member)
    db.session.flush()
    token = None if guest.password_hash else _new_invitation(person, network, guest)
    return GuestInvite(member=member, guest=guest, network=network, token=token)


def _invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(actor: Person, network: Network, guest: Person) -> str:
    now = now_utc()
    db.session.execute(
        sa.update(GuestInvitation)
        .where(
            GuestInvitation.person_id == guest.id,
            GuestInvitation.used_at.is_(None),
            GuestInvitation.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    days = float(current_app.config.get("GUEST_INVITATION_DAYS", 14))
    db.session.add(
        GuestInvitation(
            person_id=guest.id,
            network_id=network.id,
            invited_by_id=actor.id,
            token_hash=_invitation_digest(token),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    db.session.flush()
    return token


def find_invitation(token: Any) -> GuestInvitation:
    """The usable invitation behind a link's token: ``NotFound`` (404) when the token is
    unknown, ``InvitationGone`` (410) when it was used, voided or has expired."""
    message = _l(
        "This invitation link has expired or has been used already. "
        "Ask the person who invited you for a new one."
    )
    row = None
    if isinstance(token, str) and 0 < len(token) <= 200:
        row = db.session.scalar(
            sa.select(GuestInvitation).where(
                GuestInvitation.token_hash == _invitation_digest(token)
            )
        )
    if row is None:
        raise NotFound(message)
    if (
        row.used_at is not None
        or row.expires_at <= now_utc()
        or not row.person.active
        or not row.person.is_guest
        # A password set some other way ends what the link was for (never a reset link).
        or row.person.password_hash is not None
    ):
        raise InvitationGone(message)
    return row


def accept_invitation(token: Any, password: Any) -> GuestInvitation:
    """Set the invited guest's password and use up the link; the edge signs them in."""
    row = find_invitation(token)
    set_password(row.person, password if isinstance(password, str) else "")
    row.used_at = now_utc()
    db.session.flush()
    return row
