"""Use cases of learning networks: networks and members, threads, messages, reactions,
read markers, notifications and search.

Every function takes the acting person first, checks the permission in
``kollega.permissions`` and raises a ``kollega.errors`` domain error when refused.
Functions flush, never commit and never emit; the edges (views, API, Socket.IO handlers)
commit and then publish.

Delivery contract (``send_message``): each thread numbers its messages 1, 2, 3, ... with
no gaps; ``(author, client_id)`` is unique, so a retried send returns the first message
and stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    contains_eager,
    joinedload,
    make_transient_to_detached,
    selectinload,
)
from sqlalchemy.orm.attributes import set_committed_value

from kollega import permissions
from kollega.db import now_utc
from kollega.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks import search
from kollega.networks.models import (
    DIGEST_CHOICES,
    MEMBER_ROLES,
    NETWORK_KINDS,
    THREAD_KINDS,
    VISIBILITIES,
    GuestInvitation,
    Message,
    MessageEdit,
    Network,
    NetworkMember,
    Notification,
    NotificationSetting,
    Reaction,
    Thread,
    ThreadFollow,
    ThreadRead,
)
from kollega.networks.render import MAX_BODY, render_markdown
from kollega.org.models import Person

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
COMPETENCE_CODE = re.compile(r"^[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-]+$")
REACTIONS = ("👍", "❤️", "😀", "🎉", "🤔", "👏", "🙏", "💡", "✅", "👀")
PAGE = 50
MAX_PAGE = 200
REPLAY_LIMIT = 1000
EXPERIENCE_PARTS = (
    ("situation", _l("Situation")),
    ("what_we_did", _l("What we did")),
    ("what_we_learned", _l("What we learned")),
    ("next_time", _l("What we will do next")),
)


# --- helpers -----------------------------------------------------------------------------


class InvitationGone(DomainError):
    """An invitation link that is unknown, used or expired."""

    status = 410
    code = "gone"


def _text(value: Any, field: str, *, required: bool, max_len: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_l("Must be text."), fields={field: _l("Must be text.")})
    value = value.strip()
    if required and not value:
        raise ValidationError(
            _l("Some required fields are missing."), fields={field: _l("Required.")}
        )
    if len(value) > max_len:
        message = _l("At most %(n)d characters.", n=max_len)
        raise ValidationError(message, fields={field: message})
    return value


def _choice(value: Any, field: str, choices: Sequence[str], default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices:
        message = _l("Choose one of: %(choices)s.", choices=", ".join(choices))
        raise ValidationError(message, fields={field: message})
    return value


def _competence_codes(values: Any, field: str) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,;]+", values) if v]
    if not isinstance(values, list | tuple) or len(values) > 50:
        raise ValidationError(
            _l("Must be a list of competence codes."),
            fields={field: _l("Must be a list of competence codes.")},
        )
    codes: list[str] = []
    for value in values:
        if not isinstance(value, str) or not COMPETENCE_CODE.match(value.strip()):
            message = _l("Not a competence code (framework:code): %(value)s", value=str(value)[:40])
            raise ValidationError(message, fields={field: message})
        if value.strip() not in codes:
            codes.append(value.strip())
    return codes


def as_int(value: Any, field: str) -> int:
    """``value`` as an int, or a ValidationError naming ``field``."""
    return _int(value, field)


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(
            _l("Must be a whole number."), fields={field: _l("Must be a whole number.")}
        )
    try:
        return int(value)
    except ValueError:
        raise ValidationError(
            _l("Must be a whole number."), fields={field: _l("Must be a whole number.")}
        ) from None


def _network(network_id: Any) -> Network:
    network = db.session.get(Network, _int(network_id, "network_id"))
    if network is None:
        raise NotFound(_l("No such network."))
    return network


def _person(person_id: Any) -> Person:
    person = db.session.get(Person, _int(person_id, "person_id"))
    if person is None or not person.active:
        raise NotFound(_l("No such person."))
    return person


def _membership(
    network: Network, person: Person, include_left: bool = False
) -> NetworkMember | None:
    """The person's row in the network; a leaver's row (kept for past periods' metrics)
    only with ``include_left``, to everything else they are gone."""
    member = db.session.scalar(
        sa.select(NetworkMember).where(
            NetworkMember.network_id == network.id, NetworkMember.person_id == person.id
        )
    )
    if member is not None and member.left_at is not None and not include_left:
        return None
    return member


def _rejoin(member: NetworkMember, state: str) -> NetworkMember:
    """A leaver comes back: the one row per network and person starts a new stint."""
    member.left_at = None
    member.state = state
    member.role = "member"
    member.joined_at = now_utc() if state == "active" else None
    db.session.flush()
    return member


def _end_membership(member: NetworkMember) -> None:
    """A member who leaves or is removed keeps the row with ``left_at`` (participation
    in past periods still counts them); a request or invitation that ends was never a
    membership and goes."""
    if member.state == "active":
        member.left_at = now_utc()
    else:
        db.session.delete(member)


def _thread(thread_id: Any) -> Thread:
    # Every caller checks the network's permission next: load it in the same query.
    thread = db.session.get(
        Thread, _int(thread_id, "thread_id"), options=[joinedload(Thread.network)]
    )
    if thread is None:
        raise NotFound(_l("No such thread."))
    return thread


def _message(message_id: Any) -> Message:
    message = db.session.get(Message, _int(message_id, "message_id"))
    if message is None:
        raise NotFound(_l("No such message."))
    return message


def _require_read(person: Person, network: Network) -> None:
    """Refuse reading; a network the person may not even know of is "not found"."""
    if permissions.can_read_network(person, network):
        return
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    raise PermissionDenied(_l("Only the network's members can read it."))


def _require_post(person: Person, network: Network, member: Any = permissions.LOOK_UP) -> None:
    if permissions.can_post(person, network, member):
        return
    _require_read(person, network)
    if network.status == "archived":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    if network.status == "proposed":
        raise PermissionDenied(_l("The network has not been approved yet."))
    raise PermissionDenied(_l("Only the network's members can post."))


def _require_moderate(person: Person, network: Network) -> None:
    if permissions.can_moderate(person, network):
        return
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    raise PermissionDenied(_l("Only the network's facilitators can do this."))


def _link_for_thread(thread_id: int, seq: int | None = None) -> str:
    return f"/threads/{thread_id}" + (f"#m{seq}" if seq else "")


def _insert(model: Any) -> Any:
    """An INSERT for the session's dialect (for ON CONFLICT)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


# --- networks ----------------------------------------------------------------------------


@dataclass
class NetworkListing:
    network: Network
    members: int
    my_state: str | None
    my_role: str | None


def list_networks(
    person: Person,
    query: str = "",
    mine: bool = False,
    status: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[NetworkListing]:
    """Networks the person may know of (or only their own), with member counts, by name.

    ``query`` searches name and purpose; ``status`` is proposed, active or archived.
    """
    members = (
        sa.select(NetworkMember.network_id, sa.func.count().label("n"))
        .where(NetworkMember.state == "active", NetworkMember.left_at.is_(None))
        .group_by(NetworkMember.network_id)
        .subquery()
    )
    mine_row = (
        sa.select(NetworkMember.network_id, NetworkMember.state, NetworkMember.role)
        .where(NetworkMember.person_id == person.id, NetworkMember.left_at.is_(None))
        .subquery()
    )
    stmt = (
        sa.select(Network, sa.func.coalesce(members.c.n, 0), mine_row.c.state, mine_row.c.role)
        .outerjoin(members, members.c.network_id == Network.id)
        .outerjoin(mine_row, mine_row.c.network_id == Network.id)
        .where(permissions.visible_networks_filter(person))
        .order_by(Network.name, Network.id)
        .limit(max(1, min(limit, 500)))
        .offset(max(offset, 0))
    )
    if mine:
        stmt = stmt.where(mine_row.c.state == "active")
    if status:
        stmt = stmt.where(
            Network.status == _choice(status, "status", ("proposed", "active", "archived"))
        )
    elif not mine:
        stmt = stmt.where(Network.status != "archived")
    query = (query or "").strip()[:100]
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Network.name).like(like), sa.func.lower(Network.purpose).like(like)
            )
        )
    return [
        NetworkListing(n, count, state, role) for n, count, state, role in db.session.execute(stmt)
    ]


def find_network(person: Person, network_id: Any) -> Network:
    """The network, when the person may know of it (else ``NotFound``)."""
    network = _network(network_id)
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    return network


def create_network(
    person: Person,
    name: Any,
    purpose: Any = "",
    kind: Any = "professional",
    visibility: Any = "open",
    unit_id: Any = None,
    target_competences: Any = None,
    edit_window_minutes: Any = 60,
) -> Network:
    """Create a network with the creator as facilitator. Facilitators, leaders and HR
    create active networks; other employees propose one (status ``proposed``) that a
    leader of its unit or HR approves."""
    if not permissions.can_propose_network(person):
        raise PermissionDenied(_l("Guests cannot create networks."))
    fields = {
        "name": _text(name, "name", required=True, max_len=200),
        "purpose": _text(purpose, "purpose", required=False, max_len=5000),
        "kind": _choice(kind, "kind", NETWORK_KINDS, "professional"),
        "visibility": _choice(visibility, "visibility", VISIBILITIES, "open"),
        "target_competences": _competence_codes(target_competences, "target_competences"),
    }
    window = _int(
        60 if edit_window_minutes in (None, "") else edit_window_minutes, "edit_window_minutes"
    )
    if not 0 <= window <= 60 * 24 * 30:
        message = _l("Between 0 and %(n)d minutes.", n=60 * 24 * 30)
        raise ValidationError(message, fields={"edit_window_minutes": message})
    unit = None
    if unit_id not in (None, ""):
        from kollega.org.models import OrgUnit

        unit = db.session.get(OrgUnit, _int(unit_id, "unit_id"))
        if unit is None:
            raise ValidationError(_l("No such unit."), fields={"unit_id": _l("No such unit.")})
    elif person.unit is not None:
        unit = person.unit
    if db.session.scalar(
        sa.select(Network.id).where(
            sa.func.lower(Network.name) == fields["name"].lower(), Network.status != "archived"
        )
    ):
        message = _l("A network with this name exists already.")
        raise Conflict(message, fields={"name": message})
    active = permissions.can_create_network(person)
    network = Network(
        **fields,
        unit=unit,
        edit_window_minutes=window,
        status="active" if active else "proposed",
        created_by_id=person.id,
    )
    db.session.add(network)
    db.session.flush()
    db.session.add(
        NetworkMember(
            network_id=network.id,
            person_id=person.id,
            role="facilitator",
            state="active",
            joined_at=now_utc(),
        )
    )
    db.session.flush()
    return network


def update_network(person: Person, network_id: Any, **changes: Any) -> Network:
    """Change name, purpose, kind, visibility, target competences or edit window
    (facilitators)."""
    network = _network(network_id)
    _require_moderate(person, network)
    if "name" in changes:
        network.name = _text(changes["name"], "name", required=True, max_len=200)
    if "purpose" in changes:
        network.purpose = _text(changes["purpose"], "purpose", required=False, max_len=5000)
    if "kind" in changes:
        network.kind = _choice(changes["kind"], "kind", NETWORK_KINDS)
    if "visibility" in changes:
        network.visibility = _choice(changes["visibility"], "visibility", VISIBILITIES)
    if "target_competences" in changes:
        network.target_competences = _competence_codes(
            changes["target_competences"], "target_competences"
        )
    if "edit_window_minutes" in changes:
        window = _int(changes["edit_window_minutes"], "edit_window_minutes")
        if not 0 <= window <= 60 * 24 * 30:
            message = _l("Between 0 and %(n)d minutes.", n=60 * 24 * 30)
            raise ValidationError(message, fields={"edit_window_minutes": message})
        network.edit_window_minutes = window
    db.session.flush()
    return network


def approve_network(person: Person, network_id: Any) -> Network:
    """Approve a proposed network (a leader of its unit, or HR)."""
    network = _network(network_id)
    if network.status != "proposed":
        raise Conflict(_l("The network is not waiting for approval."))
    if not permissions.can_approve_network(person, network):
        raise PermissionDenied(_l("Only a leader of the network's unit or HR can approve it."))
    network.status = "active"
    network.approved_by_id = person.id
    db.session.flush()
    return network


def reject_network(person: Person, network_id: Any) -> None:
    """Turn a proposal down: it is removed."""
    network = _network(network_id)
    if network.status != "proposed":
        raise Conflict(_l("The network is not waiting for approval."))
    if not permissions.can_approve_network(person, network):
        raise PermissionDenied(_l("Only a leader of the network's unit or HR can approve it."))
    db.session.delete(network)
    db.session.flush()


def archive_network(person: Person, network_id: Any) -> Network:
    """Archive a network: it stays readable for those who could read it, and nobody posts."""
    network = _network(network_id)
    if not permissions.can_archive_network(person, network):
        if network.status == "archived":
            raise Conflict(_l("The network is archived already."))
        raise PermissionDenied(_l("Only the network's facilitators or HR can archive it."))
    network.status = "archived"
    network.archived_at = now_utc()
    db.session.flush()
    return network


# --- members -----------------------------------------------------------------------------


def join_network(person: Person, network_id: Any) -> NetworkMember:
    """Join an open network (state ``active``), ask to join one on request (state
    ``requested``, facilitators are notified), or accept an invitation."""
    network = _network(network_id)
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    if network.status != "active":
        raise PermissionDenied(_l("Only active networks can be joined."))
    member = _membership(network, person)
    if member is not None and member.state in ("active", "requested"):
        return member
    if member is not None and member.state == "invited":
        member.state = "active"
        member.joined_at = now_utc()
        db.session.flush()
        return member
    if person.is_guest:
        raise PermissionDenied(_l("Guests can only take part in networks they are invited to."))
    if network.visibility == "invite":
        raise PermissionDenied(_l("This network is by invitation only."))
    state = "active" if network.visibility == "open" else "requested"
    left = _membership(network, person, include_left=True)
    if left is not None:
        member = _rejoin(left, state)
        if state == "active":
            return member
    # ON CONFLICT: the same person joining in a parallel request keeps the first row.
    db.session.execute(
        _insert(NetworkMember)
        .values(
            network_id=network.id,
            person_id=person.id,
            role="member",
            state=state,
            guest=False,
            created_at=now_utc(),
            joined_at=now_utc() if state == "active" else None,
        )
        .on_conflict_do_nothing()
    )
    member = _membership(network, person)
    assert member is not None
    if state == "requested":
        for facilitator_id in facilitator_ids(network.id):
            db.session.add(
                Notification(
                    person_id=facilitator_id,
                    kind="join_request",
                    actor_id=person.id,
                    network_id=network.id,
                    link=f"/networks/{network.id}#requests",
                )
            )
        db.session.flush()
    return member


def invited_ids(network_id: int) -> list[int]:
    """Who is invited to the network and has not accepted yet."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.person_id).where(
                NetworkMember.network_id == network_id, NetworkMember.state == "invited"
            )
        )
    )


def facilitator_ids(network_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(NetworkMember.person_id).where(
                NetworkMember.network_id == network_id,
                NetworkMember.role == "facilitator",
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
            )
        )
    )


def approve_member(person: Person, network_id: Any, person_id: Any) -> NetworkMember:
    """Let someone who asked to join in (facilitators)."""
    network = _network(network_id)
    _require_moderate(person, network)
    target = _person(person_id)
    member = _membership(network, target)
    if member is None or member.state != "requested":
        raise NotFound(_l("This person has not asked to join."))
    member.state = "active"
    member.joined_at = now_utc()
    db.session.flush()
    return member


def add_member(
    person: Person, network_id: Any, person_id: Any, role: Any = "member", invite: bool = False
) -> NetworkMember:
    """A facilitator adds someone (active at once), or invites them (``invite=True``:
    state ``invited`` until they accept by joining). Guests can only be added to a
    network they already belong to; use ``invite_guest``."""
    network = _network(network_id)
    _require_moderate(person, network)
    target = _person(person_id)
    role = _choice(role, "role", MEMBER_ROLES, "member")
    member = _membership(network, target, include_left=True)
    if target.is_guest and member is None:
        raise PermissionDenied(_l("Guests are invited by e-mail to one network only."))
    if member is not None and member.left_at is not None:
        member = _rejoin(member, "invited" if invite else "active")
        member.invited_by_id = person.id
        member.role = role
    elif member is None:
        member = NetworkMember(
            network_id=network.id,
            person_id=target.id,
            role=role,
            state="invited" if invite else "active",
            invited_by_id=person.id,
            joined_at=None if invite else now_utc(),
        )
        db.session.add(member)
    elif member.state != "active":
        member.state = "invited" if invite and member.state == "invited" else "active"
        if member.state == "active":
            member.joined_at = now_utc()
        member.role = role
    if member.state == "invited":
        _notify_invited(person, network, target.id)
    db.session.flush()
    return member


def _notify_invited(actor: Person, network: Network, person_id: int) -> None:
    """An in-app "invite" notification (the edge publishes ``notification:new``)."""
    db.session.add(
        Notification(
            person_id=person_id,
            kind="invite",
            actor_id=actor.id,
            network_id=network.id,
            link=f"/networks/{network.id}",
        )
    )


def invite_guest(person: Person, network_id: Any, email: Any, name: Any) -> NetworkMember:
    """Invite someone from outside by e-mail: a guest account (role guest, no unit) that
    belongs to this network only. An existing guest is added to this network too. The
    edges use ``invite_guest_with_link``, which also hands out the sign-in link's token."""
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
    from email_validator import EmailNotValidError, validate_email

    from kollega.auth.services import find_by_email, normalise_email
    from kollega.org.services import set_roles

    network = _network(network_id)
    _require_moderate(person, network)
    email = _text(email, "email", required=True, max_len=254)
    name = _text(name, "name", required=True, max_len=200)
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
    member = _membership(network, guest, include_left=True)
    if member is not None and member.left_at is not None:
        member = _rejoin(member, "active")
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
    from kollega.auth.services import set_password

    row = find_invitation(token)
    set_password(row.person, password if isinstance(password, str) else "")
    row.used_at = now_utc()
    db.session.flush()
    return row


def set_member_role(person: Person, network_id: Any, person_id: Any, role: Any) -> NetworkMember:
    """Make a member facilitator or plain member again (facilitators)."""
    network = _network(network_id)
    _require_moderate(person, network)
    target = _person(person_id)
    role = _choice(role, "role", MEMBER_ROLES)
    member = _membership(network, target)
    if member is None or member.state != "active":
        raise NotFound(_l("This person is not a member."))
    if role == "facilitator" and target.is_guest:
        raise PermissionDenied(_l("Guests cannot be facilitators."))
    if role == "member" and member.role == "facilitator" and len(facilitator_ids(network.id)) <= 1:
        raise Conflict(_l("A network needs at least one facilitator."))
    member.role = role
    db.session.flush()
    return member


def remove_member(person: Person, network_id: Any, person_id: Any) -> None:
    """Remove a member, decline a request or withdraw an invitation (facilitators);
    anyone may remove themself (``leave_network``)."""
    network = _network(network_id)
    target = _person(person_id)
    if target.id == person.id:
        return leave_network(person, network.id)
    _require_moderate(person, network)
    member = _membership(network, target)
    if member is None:
        raise NotFound(_l("This person is not a member."))
    if (
        member.role == "facilitator"
        and member.state == "active"
        and len(facilitator_ids(network.id)) <= 1
    ):
        raise Conflict(_l("A network needs at least one facilitator."))
    _end_membership(member)
    db.session.flush()
    return None


def leave_network(person: Person, network_id: Any) -> None:
    """Leave a network (or withdraw one's request). The last facilitator of an active
    network with other members cannot leave."""
    network = _network(network_id)
    member = _membership(network, person)
    if member is None:
        raise NotFound(_l("You are not a member of this network."))
    if (
        member.is_facilitator
        and network.status == "active"
        and len(facilitator_ids(network.id)) <= 1
    ):
        others = db.session.scalar(
            sa.select(sa.func.count()).where(
                NetworkMember.network_id == network.id,
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
                NetworkMember.person_id != person.id,
            )
        )
        if others:
            raise Conflict(_l("Make another member facilitator before you leave."))
    _end_membership(member)
    db.session.flush()


def list_members(
    person: Person, network_id: Any, states: Iterable[str] = ("active",)
) -> list[NetworkMember]:
    """Members (facilitators first, then by name). Requests and invitations
    (``states``) only for facilitators."""
    network = _network(network_id)
    _require_read(person, network)
    states = tuple(states)
    if set(states) - {"active"} and not permissions.can_moderate(person, network):
        states = ("active",)
    stmt = (
        sa.select(NetworkMember)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(
            NetworkMember.network_id == network.id,
            NetworkMember.state.in_(states),
            NetworkMember.left_at.is_(None),
        )
        .options(selectinload(NetworkMember.person))
        .order_by(sa.case((NetworkMember.role == "facilitator", 0), else_=1), Person.name)
    )
    return list(db.session.scalars(stmt))


# --- threads -----------------------------------------------------------------------------


def experience_body(parts: dict[str, Any]) -> str:
    """The Markdown of an experience thread's opening message in its four parts."""
    chunks = []
    for key, label in EXPERIENCE_PARTS:
        text = _text(parts.get(key), key, required=False, max_len=MAX_BODY // 4)
        if text:
            chunks.append(f"### {label}\n\n{text}")
    return "\n\n".join(chunks)


def list_threads(person: Person, network_id: Any, limit: int = 200) -> list[Thread]:
    """Threads of a network, latest activity first."""
    network = _network(network_id)
    _require_read(person, network)
    stmt = (
        sa.select(Thread)
        .where(Thread.network_id == network.id)
        .order_by(
            sa.func.coalesce(Thread.last_message_at, Thread.created_at).desc(), Thread.id.desc()
        )
        .limit(max(1, min(limit, 1000)))
    )
    return list(db.session.scalars(stmt))


def get_thread(person: Person, thread_id: Any) -> Thread:
    """The thread, when the person may read its network."""
    thread = _thread(thread_id)
    try:
        _require_read(person, thread.network)
    except NotFound:
        raise NotFound(_l("No such thread.")) from None
    return thread


def thread_for_reader(person: Person, thread_id: Any) -> tuple[Thread, Any, bool]:
    """``get_thread``, the person's membership row (as ``permissions.network_membership``
    gives it, for the page's other checks) and whether they follow the thread, in one
    query (the thread page's)."""
    following = (
        sa.select(ThreadFollow.thread_id)
        .where(ThreadFollow.thread_id == Thread.id, ThreadFollow.person_id == person.id)
        .exists()
    )
    row = db.session.execute(
        sa.select(Thread, NetworkMember, following)
        .join(Thread.network)
        .outerjoin(
            NetworkMember,
            sa.and_(
                NetworkMember.network_id == Thread.network_id,
                NetworkMember.person_id == person.id,
                NetworkMember.left_at.is_(None),
            ),
        )
        .options(contains_eager(Thread.network))
        .where(Thread.id == _int(thread_id, "thread_id"))
    ).one_or_none()
    if row is None:
        raise NotFound(_l("No such thread."))
    thread, member, follows = row
    if not permissions.can_read_network(person, thread.network, member):
        try:  # refused: the usual checks, for the usual answer
            _require_read(person, thread.network)
        except NotFound:
            raise NotFound(_l("No such thread.")) from None
    return thread, member, bool(follows)


def open_thread(
    person: Person,
    network_id: Any,
    title: Any,
    kind: Any = "discussion",
    body: Any = "",
    competence_tags: Any = None,
    client_id: Any = None,
    parts: dict[str, Any] | None = None,
) -> tuple[Thread, Message | None]:
    """Open a thread; ``body`` (or, for an experience, its four ``parts``) becomes the
    first message. Learning stops are opened by facilitators (and the annual cycle)."""
    network = _network(network_id)
    _require_post(person, network)
    title = _text(title, "title", required=True, max_len=200)
    kind = _choice(kind, "kind", THREAD_KINDS, "discussion")
    tags = _competence_codes(competence_tags, "competence_tags")
    if kind == "learning_stop" and not permissions.is_facilitator(person, network):
        raise PermissionDenied(_l("Learning stops are opened by the network's facilitators."))
    if kind == "experience" and parts:
        body = experience_body(parts)
    body = _text(body, "body", required=False, max_len=MAX_BODY)
    _ensure_member(person, network)
    thread = Thread(
        network_id=network.id,
        title=title,
        kind=kind,
        competence_tags=tags,
        created_by_id=person.id,
        last_seq=0,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(ThreadFollow(thread_id=thread.id, person_id=person.id))
    first = None
    if body:
        first = send_message(
            person, thread.id, client_id or f"thread-{thread.id}-open", body
        ).message
    db.session.flush()
    return thread, first


def _require_manage(person: Person, thread: Thread) -> None:
    if permissions.can_manage_thread(person, thread):
        return
    _require_read(person, thread.network)
    if thread.network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    raise PermissionDenied(_l("Only the thread's opener or a facilitator can do this."))


def resolve_thread(person: Person, thread_id: Any, resolved: bool = True) -> Thread:
    """Mark a thread resolved, or reopen it (opener or facilitator)."""
    thread = _thread(thread_id)
    _require_manage(person, thread)
    thread.resolved = bool(resolved)
    thread.resolved_at = now_utc() if resolved else None
    db.session.flush()
    return thread


def accept_answer(person: Person, thread_id: Any, message_id: Any) -> Thread:
    """Mark a message as the accepted answer of a question (opener or facilitator);
    ``message_id`` None clears it."""
    thread = _thread(thread_id)
    _require_manage(person, thread)
    if thread.kind != "question":
        raise ValidationError(_l("Only questions have an accepted answer."))
    if message_id in (None, ""):
        thread.accepted_message_id = None
    else:
        message = _message(message_id)
        if message.thread_id != thread.id or message.is_deleted:
            raise ValidationError(
                _l("The answer must be a message in this thread."),
                fields={"message_id": _l("Not in this thread.")},
            )
        thread.accepted_message_id = message.id
        thread.resolved = True
        thread.resolved_at = now_utc()
    db.session.flush()
    return thread


def follow_thread(person: Person, thread_id: Any, follow: bool = True) -> bool:
    """Follow (be notified of new messages) or unfollow a thread. Returns the new state."""
    thread = get_thread(person, thread_id)
    if follow:
        db.session.execute(
            _insert(ThreadFollow)
            .values(thread_id=thread.id, person_id=person.id, created_at=now_utc())
            .on_conflict_do_nothing()
        )
    else:
        db.session.execute(
            sa.delete(ThreadFollow).where(
                ThreadFollow.thread_id == thread.id, ThreadFollow.person_id == person.id
            )
        )
    db.session.flush()
    return follow


def is_following(person: Person, thread_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(ThreadFollow.thread_id).where(
                ThreadFollow.thread_id == thread_id, ThreadFollow.person_id == person.id
            )
        )
        is not None
    )


# --- messages ----------------------------------------------------------------------------


@dataclass
class SendResult:
    message: Message
    created: bool  # False: a retry; the first message is returned and nothing was stored
    notified: list[int] = field(default_factory=list)  # people who got a notification


def _ensure_member(person: Person, network: Network, member: Any = permissions.LOOK_UP) -> None:
    """Posting in an open network makes an employee a member."""
    if permissions.is_network_member(person, network, member):
        return
    db.session.execute(
        _insert(NetworkMember)
        .values(
            network_id=network.id,
            person_id=person.id,
            role="member",
            state="active",
            guest=False,
            created_at=now_utc(),
            joined_at=now_utc(),
        )
        .on_conflict_do_update(
            index_elements=["network_id", "person_id"],
            set_={
                "state": "active",
                "joined_at": now_utc(),
                "left_at": None,
                # A leaver who posts again comes back as a plain member.
                "role": sa.case(
                    (NetworkMember.__table__.c.left_at.is_not(None), "member"),
                    else_=NetworkMember.__table__.c.role,
                ),
            },
        )
    )


def _existing(person: Person, client_id: str) -> Message | None:
    return db.session.scalar(
        sa.select(Message).where(Message.author_id == person.id, Message.client_id == client_id)
    )


def _retry_result(existing: Message, thread_id: int) -> SendResult:
    if existing.thread_id != thread_id:
        message = _l("This client_id was already used for another message.")
        raise Conflict(message, fields={"client_id": message})
    return SendResult(existing, False)


@dataclass(frozen=True, slots=True)
class _Membership:
    """The sender's ``NetworkMember`` row as far as the send's permission checks read it
    (``permissions.is_network_member``: ``state``; ``is_facilitator``: ``role``)."""

    id: int
    state: str
    role: str


@functools.cache
def _send_statements() -> tuple[Any, dict[str, Any]]:
    """The send path's statements, built once (with bind parameters): building
    SQLAlchemy expressions costs more CPU per send than their cached compilation. The
    target is a Core query on the tables: loading ORM entities cost more CPU than the
    round trip (about 0.9 ms of a 2 ms send, measured in-process on PostgreSQL)."""
    threads, networks = Thread.__table__, Network.__table__
    members, messages = NetworkMember.__table__, Message.__table__
    person_id = sa.bindparam("person_id", type_=sa.Integer)
    earlier = (
        sa.select(messages.c.id)
        .where(messages.c.author_id == person_id, messages.c.client_id == sa.bindparam("client_id"))
        .scalar_subquery()
    )
    follows = ThreadFollow.__table__
    followed = (
        sa.select(follows.c.person_id)
        .where(follows.c.thread_id == threads.c.id, follows.c.person_id != person_id)
        .exists()
    )
    target = (
        sa.select(
            threads.c.id,
            threads.c.network_id,
            networks.c.status,
            networks.c.visibility,
            members.c.id,
            members.c.state,
            members.c.role,
            earlier,
            followed,
        )
        .join(networks, networks.c.id == threads.c.network_id)
        .outerjoin(
            members,
            sa.and_(
                members.c.network_id == threads.c.network_id,
                members.c.person_id == person_id,
                members.c.left_at.is_(None),
            ),
        )
        .where(threads.c.id == sa.bindparam("thread_id", type_=sa.Integer))
    )
    return target, _insert_statements()


def _as_loaded(model: Any, values: dict[str, Any]) -> Any:
    """The session's ``model`` instance with this primary key, or a new one holding
    ``values`` as if loaded from the database (its other attributes load when touched)."""
    found = db.session.identity_map.get(db.session.identity_key(model, values["id"]))
    if found is not None:
        # As a query would: fill in what is expired (after a commit, say), keep the rest.
        unloaded = sa.inspect(found).unloaded
        for key, value in values.items():
            if key in unloaded:
                set_committed_value(found, key, value)
        return found
    instance = model(**values)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


_INSERTED = ("thread_id", "author_id", "client_id", "body", "body_html", "reply_to_id")


@functools.cache
def _insert_statements() -> dict[str, Any]:
    """Taking the seq and storing the message. On PostgreSQL one statement (the seq
    UPDATE in a data-modifying WITH, the INSERT reading its RETURNING), so the thread's
    row lock is held for that statement and the commit only; elsewhere the UPDATE, then
    the INSERT. Parameters ``p_<column>``, ``p_at`` (last_message_at and created_at)."""
    threads, messages = Thread.__table__, Message.__table__
    next_seq = (
        sa.update(threads)
        .where(threads.c.id == sa.bindparam("p_thread_id", type_=sa.Integer))
        .values(
            last_seq=threads.c.last_seq + 1,
            last_message_at=sa.bindparam("p_at", type_=messages.c.created_at.type),
        )
        .returning(threads.c.last_seq)
    )
    values = [sa.bindparam(f"p_{name}", type_=messages.c[name].type) for name in _INSERTED]
    created = sa.bindparam("p_at", type_=messages.c.created_at.type)
    seq_cte = next_seq.cte("next_seq")
    combined = (
        sa.insert(messages)
        .from_select(
            [*_INSERTED, "seq", "created_at"],
            sa.select(*values, seq_cte.c.last_seq, created),
        )
        .returning(messages.c.id, messages.c.seq)
        .add_cte(seq_cte, nest_here=True)
    )
    insert = (
        sa.insert(messages)
        .values(
            {
                **dict(zip(_INSERTED, values, strict=True)),
                "seq": sa.bindparam("p_seq", type_=sa.Integer),
                "created_at": created,
            }
        )
        .returning(messages.c.id, messages.c.seq)
    )
    return {"combined": combined, "next_seq": next_seq, "insert": insert}


def _store_message(values: dict[str, Any]) -> tuple[int, int]:
    """Take the thread's next seq and insert the message (``values``: ``p_`` parameters
    of ``_insert_statements``); the new row's id and seq."""
    statements = _insert_statements()
    if db.engine.dialect.name == "postgresql":
        row = db.session.execute(statements["combined"], values).one()
    else:
        seq = db.session.execute(statements["next_seq"], values).scalar_one()
        row = db.session.execute(statements["insert"], {**values, "p_seq": seq}).one()
    return row[0], row[1]


def _send_target(
    person: Person, thread_id: int, client_id: str
) -> tuple[Thread, _Membership | None, int | None, bool]:
    """One query for what a send needs before it takes the lock: the thread with its
    network, the sender's membership (the columns of ``permissions.network_membership``'s
    row that the checks read, or ``None``), the id of an earlier message with this
    ``client_id`` and whether anyone but the sender follows the thread."""
    row = db.session.execute(
        _send_statements()[0],
        {"person_id": person.id, "client_id": client_id, "thread_id": thread_id},
    ).one_or_none()
    if row is None:
        raise NotFound(_l("No such thread."))
    tid, network_id, status, visibility, member_id, state, role, existing_id, followed = row
    network = _as_loaded(Network, {"id": network_id, "status": status, "visibility": visibility})
    thread = _as_loaded(Thread, {"id": tid, "network_id": network_id, "network": network})
    member = _Membership(member_id, state, role) if member_id is not None else None
    return thread, member, existing_id, bool(followed)


def send_message(
    person: Person, thread_id: Any, client_id: Any, body: Any, reply_to_id: Any = None
) -> SendResult:
    """Post a message. The thread's next ``seq`` is taken by incrementing
    ``Thread.last_seq`` in one UPDATE: on PostgreSQL that row lock is held until commit
    (as ``SELECT ... FOR UPDATE`` would), on SQLite the UPDATE takes the database's write
    lock, so seqs are gap-free and never handed out twice. A retry with the same
    ``client_id`` returns the first message (``created`` False) and stores nothing;
    a parallel retry (both sends past the first check) is caught by the unique constraint
    once the first has committed: the session is rolled back (the seq with it) and the
    first message returned.

    A first send is two statements on PostgreSQL (three elsewhere): the thread, network,
    membership, earlier message and followers in one query, then the seq UPDATE and the
    INSERT in one; the followers' notifications only when someone else follows the
    thread (mentions only when the body has an @)."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        message = _l("client_id must be 1 to 64 letters, digits or . _ : -")
        raise ValidationError(message, fields={"client_id": message})
    thread, member, existing_id, followed = _send_target(
        person, _int(thread_id, "thread_id"), client_id
    )
    if existing_id is not None:
        existing = db.session.get(Message, existing_id)
        if existing is None or not permissions.can_read_network(person, existing.thread.network):
            raise NotFound(_l("No such thread."))
        return _retry_result(existing, thread.id)
    network = thread.network
    try:
        _require_post(person, network, member)
    except NotFound:
        raise NotFound(_l("No such thread.")) from None
    body = _text(body, "body", required=True, max_len=MAX_BODY)
    reply_to = None
    if reply_to_id not in (None, ""):
        reply_to = _message(reply_to_id)
        if reply_to.thread_id != thread.id:
            message = _l("You can only reply to a message in the same thread.")
            raise ValidationError(message, fields={"reply_to": message})
    html = render_markdown(body)
    if not network.is_closed:
        # can_post lets non-members post only in open networks: elsewhere the poster is
        # an active member already.
        _ensure_member(person, network, member)

    values = {
        "p_thread_id": thread.id,
        "p_author_id": person.id,
        "p_client_id": client_id,
        "p_body": body,
        "p_body_html": html,
        "p_reply_to_id": reply_to.id if reply_to else None,
        "p_at": now_utc(),
    }
    try:
        db.session.flush()  # anything pending goes before the row lock is taken
        message_id, seq = _store_message(values)
    except IntegrityError:
        # A parallel send with this client_id committed while we waited for the lock.
        db.session.rollback()
        existing = _existing(person, client_id)
        if existing is None:
            raise Conflict(_l("The message could not be stored; please send it again.")) from None
        return _retry_result(existing, int(_int(thread_id, "thread_id")))
    # Stored with Core (no unit of work); the object joins the session as if loaded,
    # with the thread, author and reply in memory, so the edge's broadcast loads nothing.
    message = _as_loaded(
        Message,
        {
            "id": message_id,
            "thread_id": thread.id,
            "thread": thread,
            "seq": seq,
            "author_id": person.id,
            "author": person,
            "client_id": client_id,
            "body": body,
            "body_html": html,
            "reply_to_id": values["p_reply_to_id"],
            "reply_to": reply_to,
            "created_at": values["p_at"],
            "edited_at": None,
            "deleted_at": None,
            "deleted_by_id": None,
        },
    )
    db.session.expire(thread, ["last_seq", "last_message_at"])
    notified = _notify_for_message(person, thread, message, reply_to, followed)
    return SendResult(message, True, notified)


MENTION = re.compile(r"@\*\*([^*\n]{1,200})\*\*|@([^\s@][^\n@]{0,199})")


def mentioned_ids(network_id: int, body: str, author_id: int) -> set[int]:
    """Active members named as ``@Full Name`` or ``@**Full Name**`` in ``body``."""
    if "@" not in body:
        return set()
    lowered = body.lower().replace("@**", "@")
    rows = db.session.execute(
        sa.select(Person.id, Person.name)
        .join(NetworkMember, NetworkMember.person_id == Person.id)
        .where(
            NetworkMember.network_id == network_id,
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
    )
    found = set()
    for pid, name in rows:
        if pid != author_id and f"@{name.lower()}" in lowered:
            found.add(pid)
    return found


@functools.cache
def _followers_statement() -> Any:
    """Followers of a thread but its author who have no unread "reply" notification in
    it (built once, as ``_send_statements``)."""
    thread_id = sa.bindparam("thread_id")
    unread_here = sa.select(Notification.person_id).where(
        Notification.thread_id == thread_id,
        Notification.kind == "reply",
        Notification.read_at.is_(None),
    )
    return sa.select(ThreadFollow.person_id).where(
        ThreadFollow.thread_id == thread_id,
        ThreadFollow.person_id != sa.bindparam("author_id"),
        ThreadFollow.person_id.not_in(unread_here),
    )


def _notify_for_message(
    author: Person,
    thread: Thread,
    message: Message,
    reply_to: Message | None,
    followed: bool = True,
) -> list[int]:
    """Mentions, replies to one's message, and new messages in followed threads
    (``followed`` False: nobody but the author follows it, no need to ask)."""
    link = _link_for_thread(thread.id, message.seq)
    mentioned = mentioned_ids(thread.network_id, message.body, author.id)
    notified: set[int] = set()
    rows = []
    for pid in mentioned:
        rows.append({"person_id": pid, "kind": "mention"})
        notified.add(pid)
    if (
        reply_to is not None
        and reply_to.author_id != author.id
        and reply_to.author_id not in notified
    ):
        rows.append({"person_id": reply_to.author_id, "kind": "reply"})
        notified.add(reply_to.author_id)
    # Followers: one unread "reply" notification per thread is enough.
    followers = (
        db.session.scalars(_followers_statement(), {"thread_id": thread.id, "author_id": author.id})
        if followed
        else []
    )
    for pid in followers:
        if pid not in notified:
            rows.append({"person_id": pid, "kind": "reply"})
            notified.add(pid)
    if not rows:
        return []
    now = now_utc()
    db.session.execute(
        sa.insert(Notification),
        [
            {
                **row,
                "actor_id": author.id,
                "network_id": thread.network_id,
                "thread_id": thread.id,
                "message_id": message.id,
                "link": link,
                "created_at": now,
            }
            for row in rows
        ],
    )
    return sorted(notified)


def list_messages(
    person: Person,
    thread_id: Any,
    after_seq: Any = None,
    before_seq: Any = None,
    limit: Any = PAGE,
) -> tuple[list[Message], bool]:
    """Messages in seq order and whether there are more. ``after_seq``: the ones after it
    (replay after a reconnect); ``before_seq``: the page before it (scrolling up);
    neither: the latest page."""
    return thread_messages(get_thread(person, thread_id), after_seq, before_seq, limit)


def thread_messages(
    thread: Thread, after_seq: Any = None, before_seq: Any = None, limit: Any = PAGE
) -> tuple[list[Message], bool]:
    """``list_messages`` of a thread the caller has had from ``get_thread`` (the reader's
    permission checked there)."""
    limit = _int(limit if limit not in (None, "") else PAGE, "limit")
    if not 1 <= limit <= REPLAY_LIMIT:
        message = _l("Between 1 and %(n)d.", n=REPLAY_LIMIT)
        raise ValidationError(message, fields={"limit": message})
    stmt = (
        sa.select(Message)
        .where(Message.thread_id == thread.id)
        .options(
            # The author in the same query (a many-to-one: one join, no second round trip).
            joinedload(Message.author),
            selectinload(Message.reply_to).joinedload(Message.author),
        )
    )
    if after_seq not in (None, ""):
        after = _int(after_seq, "after_seq")
        rows = list(
            db.session.scalars(
                stmt.where(Message.seq > after).order_by(Message.seq).limit(limit + 1)
            )
        )
        return rows[:limit], len(rows) > limit
    if before_seq not in (None, ""):
        stmt = stmt.where(Message.seq < _int(before_seq, "before_seq"))
    rows = list(db.session.scalars(stmt.order_by(Message.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    return list(reversed(rows[:limit])), more


def get_message(person: Person, message_id: Any) -> Message:
    message = _message(message_id)
    try:
        _require_read(person, message.thread.network)
    except NotFound:
        raise NotFound(_l("No such message.")) from None
    return message


def edit_message(person: Person, message_id: Any, body: Any) -> Message:
    """Change one's own message within the network's edit window; the previous text is
    kept in the history."""
    message = get_message(person, message_id)
    network = message.thread.network
    if message.author_id != person.id:
        raise PermissionDenied(_l("You can only edit your own messages."))
    if network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    if message.is_deleted:
        raise Conflict(_l("The message has been deleted."))
    window = dt.timedelta(minutes=network.edit_window_minutes)
    if now_utc() - message.created_at > window:
        raise PermissionDenied(_l("The time for editing this message has passed."))
    body = _text(body, "body", required=True, max_len=MAX_BODY)
    if body == message.body:
        return message
    db.session.add(
        MessageEdit(message_id=message.id, previous_body=message.body, edited_by_id=person.id)
    )
    message.body = body
    message.body_html = render_markdown(body)
    message.edited_at = now_utc()
    db.session.flush()
    return message


def message_history(person: Person, message_id: Any) -> list[MessageEdit]:
    """The earlier versions of a message, oldest first."""
    message = get_message(person, message_id)
    return list(
        db.session.scalars(
            sa.select(MessageEdit)
            .where(MessageEdit.message_id == message.id)
            .order_by(MessageEdit.id)
        )
    )


def delete_message(person: Person, message_id: Any) -> Message:
    """Delete a message (its author, or a facilitator): its text is removed, the row
    stays so that seqs stay gap-free, and it is shown as deleted."""
    message = get_message(person, message_id)
    network = message.thread.network
    if message.author_id != person.id and not permissions.can_moderate(person, network):
        raise PermissionDenied(_l("You can only delete your own messages."))
    if network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    if message.is_deleted:
        return message
    message.deleted_at = now_utc()
    message.deleted_by_id = person.id
    message.body = ""
    message.body_html = ""
    db.session.execute(sa.delete(MessageEdit).where(MessageEdit.message_id == message.id))
    db.session.execute(sa.delete(Reaction).where(Reaction.message_id == message.id))
    thread = message.thread
    if thread.accepted_message_id == message.id:
        thread.accepted_message_id = None
    db.session.flush()
    return message


def react(
    person: Person, message_id: Any, emoji: Any, on: bool | None = None
) -> list[dict[str, Any]]:
    """Add (``on`` True), remove (False) or toggle (None) a reaction; returns the
    message's reactions as ``[{emoji, count, people}]``."""
    message = get_message(person, message_id)
    _require_post(person, message.thread.network)
    if message.is_deleted:
        raise Conflict(_l("The message has been deleted."))
    emoji = _choice(emoji, "emoji", REACTIONS)
    existing = db.session.scalar(
        sa.select(Reaction).where(
            Reaction.message_id == message.id,
            Reaction.person_id == person.id,
            Reaction.emoji == emoji,
        )
    )
    if on is None:
        on = existing is None
    if on and existing is None:
        db.session.execute(
            _insert(Reaction)
            .values(message_id=message.id, person_id=person.id, emoji=emoji, created_at=now_utc())
            .on_conflict_do_nothing()
        )
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.flush()
    return reactions_for([message.id]).get(message.id, [])


def reactions_for(message_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Reactions of several messages: ``{message_id: [{emoji, count, people: [ids]}]}``."""
    out: dict[int, dict[str, list[int]]] = {}
    if not message_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reaction.message_id, Reaction.emoji, Reaction.person_id)
        .where(Reaction.message_id.in_(list(message_ids)))
        .order_by(Reaction.id)
    )
    for mid, emoji, pid in rows:
        out.setdefault(mid, {}).setdefault(emoji, []).append(pid)
    return {
        mid: [{"emoji": e, "count": len(p), "people": p} for e, p in by_emoji.items()]
        for mid, by_emoji in out.items()
    }


# --- read markers and unread counts -------------------------------------------------------


def mark_read(person: Person, thread_id: Any, seq: Any = None) -> int:
    """Mark the thread read up to ``seq`` (default: everything). Read markers only move
    forward. Returns the person's last read seq."""
    return mark_thread_read(person, get_thread(person, thread_id), seq)


def mark_thread_read(person: Person, thread: Thread, seq: Any = None) -> int:
    """``mark_read`` of a thread the caller has had from ``get_thread`` (the reader's
    permission checked there)."""
    target = thread.last_seq if seq in (None, "") else _int(seq, "seq")
    target = max(0, min(target, thread.last_seq))
    now = now_utc()
    stmt = _insert(ThreadRead).values(
        thread_id=thread.id, person_id=person.id, last_read_seq=target, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["thread_id", "person_id"],
        set_={
            "last_read_seq": sa.case(
                (
                    stmt.excluded.last_read_seq > ThreadRead.last_read_seq,
                    stmt.excluded.last_read_seq,
                ),
                else_=ThreadRead.last_read_seq,
            ),
            "updated_at": now,
        },
    )
    last = db.session.execute(stmt.returning(ThreadRead.last_read_seq)).scalar_one()
    # Notifications about this thread up to here are read too.
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.person_id == person.id,
            Notification.thread_id == thread.id,
            Notification.read_at.is_(None),
            Notification.message_id.in_(
                sa.select(Message.id).where(Message.thread_id == thread.id, Message.seq <= target)
            ),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return int(last or 0)


def unread_counts(person: Person, thread_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Unread messages per thread (others' messages, not deleted, after the read
    marker) in the networks the person is an active member of (or in ``thread_ids``,
    limited to threads the person may read). Threads with none are left out."""
    read = (
        sa.select(ThreadRead.thread_id, ThreadRead.last_read_seq)
        .where(ThreadRead.person_id == person.id)
        .subquery()
    )
    stmt = (
        sa.select(Message.thread_id, sa.func.count())
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, read.c.thread_id == Message.thread_id)
        .where(
            Message.seq > sa.func.coalesce(read.c.last_read_seq, 0),
            Message.author_id != person.id,
            Message.deleted_at.is_(None),
        )
        .group_by(Message.thread_id)
    )
    if thread_ids is None:
        member_of = sa.select(NetworkMember.network_id).where(
            NetworkMember.person_id == person.id,
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
        stmt = stmt.where(Thread.network_id.in_(member_of))
    else:
        ids = [int(t) for t in thread_ids]
        if not ids:
            return {}
        readable = sa.select(Network.id).where(permissions.readable_networks_filter(person))
        stmt = stmt.where(Thread.id.in_(ids), Thread.network_id.in_(readable))
    return {tid: int(n) for tid, n in db.session.execute(stmt)}


def my_networks_unread(person: Person, limit: int = 50) -> list[tuple[int, str, int]]:
    """``(network id, name, unread messages)`` of the networks the person is an active
    member of, by name: ``list_networks(mine=True)`` and ``unread_counts`` summed per
    network, in one query that loads no objects (the chat sidebar on every thread page
    and the start page show it)."""
    member_of = (
        sa.select(NetworkMember.network_id)
        .where(
            NetworkMember.person_id == person.id,
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
        .scalar_subquery()
    )
    read = (
        sa.select(ThreadRead.thread_id, ThreadRead.last_read_seq)
        .where(ThreadRead.person_id == person.id)
        .subquery()
    )
    unread = (
        sa.select(Thread.network_id, sa.func.count().label("n"))
        .select_from(Message)
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, read.c.thread_id == Message.thread_id)
        .where(
            Thread.network_id.in_(member_of),
            Message.seq > sa.func.coalesce(read.c.last_read_seq, 0),
            Message.author_id != person.id,
            Message.deleted_at.is_(None),
        )
        .group_by(Thread.network_id)
        .subquery()
    )
    stmt = (
        sa.select(Network.id, Network.name, sa.func.coalesce(unread.c.n, 0))
        .outerjoin(unread, unread.c.network_id == Network.id)
        .where(Network.id.in_(member_of))
        .order_by(Network.name, Network.id)
        .limit(max(1, min(limit, 500)))
    )
    return [(nid, name, int(n)) for nid, name, n in db.session.execute(stmt)]


def sidebar(person: Person) -> list[tuple[Network, list[Thread], dict[int, int]]]:
    """The person's active networks (by name), each with its threads (latest activity
    first) and the person's unread counts per thread: what a chat sidebar shows."""
    rows = list_networks(person, mine=True, limit=500)
    networks = [r.network for r in rows]
    if not networks:
        return []
    threads = list(
        db.session.scalars(
            sa.select(Thread)
            .where(Thread.network_id.in_([n.id for n in networks]))
            .order_by(
                sa.func.coalesce(Thread.last_message_at, Thread.created_at).desc(),
                Thread.id.desc(),
            )
        )
    )
    unread = unread_counts(person)
    by_network: dict[int, list[Thread]] = {n.id: [] for n in networks}
    for thread in threads:
        by_network[thread.network_id].append(thread)
    return [
        (n, by_network[n.id], {t.id: unread[t.id] for t in by_network[n.id] if t.id in unread})
        for n in networks
    ]


# --- search -------------------------------------------------------------------------------


def search_messages(
    person: Person, query: Any, network_id: Any = None, limit: int = 30
) -> list[Message]:
    """Messages matching every word of ``query`` (as prefixes) in the networks the person
    may read, newest first. SQLite FTS5 or PostgreSQL full text, see ``search``."""
    query = _text(query, "q", required=True, max_len=200)
    ids = search.matching_ids(query)
    if ids is None:
        return []
    stmt = (
        sa.select(Message)
        .join(Thread, Thread.id == Message.thread_id)
        .join(Network, Network.id == Thread.network_id)
        .where(
            Message.id.in_(ids),
            Message.deleted_at.is_(None),
            permissions.readable_networks_filter(person),
        )
        .options(selectinload(Message.author), selectinload(Message.thread))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(max(1, min(limit, 100)))
    )
    if network_id not in (None, ""):
        stmt = stmt.where(Network.id == _int(network_id, "network"))
    return list(db.session.scalars(stmt))


# --- notifications ------------------------------------------------------------------------


def list_notifications(
    person: Person, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    stmt = (
        sa.select(Notification)
        .where(Notification.person_id == person.id)
        .options(
            selectinload(Notification.actor),
            selectinload(Notification.thread),
            selectinload(Notification.network),
        )
        .order_by(Notification.id.desc())
        .limit(max(1, min(limit, 200)))
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(stmt))


def unread_notification_count(person: Person) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Notification.person_id == person.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_notifications_read(person: Person, ids: Iterable[Any] | None = None) -> int:
    """Mark the person's notifications (all, or those with ``ids``) read; returns how many."""
    stmt = sa.update(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_([_int(i, "ids") for i in ids]))
    result = db.session.execute(
        stmt.values(read_at=now_utc()).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def email_digest(person: Person) -> str:
    setting = db.session.get(NotificationSetting, person.id)
    return setting.email_digest if setting else "weekly"


def set_email_digest(person: Person, choice: Any) -> str:
    """How often the person wants an e-mail digest of notifications (never, daily, weekly)."""
    choice = _choice(choice, "email_digest", DIGEST_CHOICES)
    setting = db.session.get(NotificationSetting, person.id)
    if setting is None:
        db.session.add(NotificationSetting(person_id=person.id, email_digest=choice))
    else:
        setting.email_digest = choice
    db.session.flush()
    return choice


# --- for other features (the annual cycle, suggestions, metrics) ---------------------------
# Plain lookups without a person: the calling feature checks its own permissions.


def get_network(network_id: int) -> Network | None:
    """The network with this id, or ``None``."""
    try:
        return db.session.get(Network, int(network_id))
    except (TypeError, ValueError):
        return None


def active_member_ids(network_id: int) -> list[int]:
    """Ids of the network's active members."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.person_id).where(
                NetworkMember.network_id == network_id,
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
            )
        )
    )


def network_ids_for_person(person: Person) -> list[int]:
    """Ids of the networks the person is an active member of."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.network_id).where(
                NetworkMember.person_id == person.id,
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
            )
        )
    )


def facilitated_network_ids(person: Person) -> list[int]:
    """Ids of the active networks the person facilitates."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.network_id)
            .join(Network, Network.id == NetworkMember.network_id)
            .where(
                NetworkMember.person_id == person.id,
                NetworkMember.role == "facilitator",
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
                Network.status == "active",
            )
        )
    )


def network_id_for_unit(unit_id: int) -> int | None:
    """The unit's own network: its oldest active network owned by the unit, if any."""
    return db.session.scalar(
        sa.select(Network.id)
        .where(Network.unit_id == unit_id, Network.status == "active")
        .order_by(Network.id)
        .limit(1)
    )


def _system_author(network_id: int, author: Person | None) -> Person | None:
    if author is not None:
        return author
    ids = facilitator_ids(network_id)
    return db.session.get(Person, ids[0]) if ids else None


def open_system_thread(
    network_id: int,
    title: str,
    kind: str = "learning_stop",
    body: str = "",
    competence_tags: Sequence[str] = (),
    author: Person | None = None,
) -> Thread | None:
    """Open a thread on behalf of the system (the annual cycle opens learning stops).
    The first message is posted by ``author`` or, without one, the first facilitator.
    ``None`` when the network is missing or not active."""
    network = get_network(network_id)
    if network is None or network.status != "active":
        return None
    poster = _system_author(network.id, author)
    thread = Thread(
        network_id=network.id,
        title=_text(title, "title", required=True, max_len=200),
        kind=_choice(kind, "kind", THREAD_KINDS, "discussion"),
        competence_tags=_competence_codes(list(competence_tags), "competence_tags"),
        created_by_id=poster.id if poster else None,
        last_seq=0,
    )
    db.session.add(thread)
    db.session.flush()
    if body and poster is not None:
        post_system_message(thread.id, body, poster)
    return thread


def post_system_message(thread_id: int, body: str, author: Person | None = None) -> Message | None:
    """Post a message on behalf of the system (no permission check beyond an active
    network); ``None`` when there is nobody to post as."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.network.status != "active":
        return None
    poster = _system_author(thread.network_id, author)
    if poster is None:
        return None
    import secrets

    client_id = f"sys-{thread.id}-{secrets.token_hex(8)}"
    seq = db.session.execute(
        sa.update(Thread)
        .where(Thread.id == thread.id)
        .values(last_seq=Thread.last_seq + 1, last_message_at=now_utc())
        .returning(Thread.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    message = Message(
        thread_id=thread.id,
        seq=seq,
        author_id=poster.id,
        client_id=client_id,
        body=_text(body, "body", required=True, max_len=MAX_BODY),
        body_html=render_markdown(body),
        created_at=now_utc(),
    )
    db.session.add(message)
    db.session.flush()
    db.session.expire(thread, ["last_seq", "last_message_at"])
    return message
