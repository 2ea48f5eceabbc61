"""Use cases of membership: join, approve, add or invite, change role, remove, leave, list;
and plain lookups of members for other features.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import (
    selectinload,
)

from kollega import permissions, realtime
from kollega.db import now_utc
from kollega.errors import Conflict, NotFound, PermissionDenied
from kollega.extensions import db
from kollega.networks import broadcast
from kollega.networks.common import (
    clean_choice,
    dialect_insert,
    load_network,
    load_person,
    membership,
    require_moderate,
    require_read,
)
from kollega.networks.models import (
    MEMBER_ROLES,
    Network,
    NetworkMember,
    Notification,
)
from kollega.org.models import Person

GUEST_IN_ANOTHER_NETWORK = _l(
    "This guest already takes part in another network. A guest belongs to one network "
    "only; they must leave that one before they can be invited here."
)
GUESTS_BY_EMAIL = _l(
    "Guests are invited by e-mail, and belong to one network only: invite them by their "
    "e-mail address from the network they take part in."
)


def in_another_network(guest: Person, network_id: int) -> bool:
    """Whether the guest belongs to (or is invited to, or asked to join) a network other
    than ``network_id``: a guest is held to one network (DESIGN.md, roles)."""
    stmt = (
        sa.select(NetworkMember.id)
        .where(
            NetworkMember.person_id == guest.id,
            NetworkMember.network_id != network_id,
            NetworkMember.left_at.is_(None),
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def join_network(person: Person, network_id: Any) -> NetworkMember:
    """Join an open network (state ``active``), ask to join one on request (state
    ``requested``, facilitators are notified), or accept an invitation."""
    network = load_network(network_id)
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    if network.status != "active":
        raise PermissionDenied(_l("Only active networks can be joined."))
    member = membership(network, person)
    if member is not None and member.state in ("active", "requested"):
        return member
    if member is not None and member.state == "invited":
        member.state = "active"
        member.joined_at = now_utc()
        _tell_invitation_accepted(network, member)
        db.session.flush()
        return member
    if person.is_guest:
        raise PermissionDenied(_l("Guests can only take part in networks they are invited to."))
    if network.visibility == "invite":
        raise PermissionDenied(_l("This network is by invitation only."))
    state = "active" if network.visibility == "open" else "requested"
    left = membership(network, person, include_left=True)
    if left is not None:
        member = rejoin(left, state)
        if state == "active":
            return member
    # ON CONFLICT: the same person joining in a parallel request keeps the first row.
    db.session.execute(
        dialect_insert(NetworkMember)
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
    member = membership(network, person)
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
                NetworkMember.active(),
            )
        )
    )


def approve_member(person: Person, network_id: Any, person_id: Any) -> NetworkMember:
    """Let someone who asked to join in (facilitators)."""
    network = load_network(network_id)
    require_moderate(person, network)
    target = load_person(person_id)
    member = membership(network, target)
    if member is None or member.state != "requested":
        raise NotFound(_l("This person has not asked to join."))
    member.state = "active"
    member.joined_at = now_utc()
    notify(target.id, "approved", person, network)
    db.session.flush()
    return member


def add_member(
    person: Person, network_id: Any, person_id: Any, role: Any = "member", invite: bool = False
) -> NetworkMember:
    """A facilitator invites someone (``invite=True``: state ``invited`` until they
    accept by joining, or decline by leaving; they are notified), or adds them at once
    (``invite=False``: for the system and the demo only; the pages and the API ask, see
    ``invite_member``). Someone who asked to join is let in either way (and told so).
    Guests can only be added to a network they already belong to; use ``invite_guest``."""
    network = load_network(network_id)
    require_moderate(person, network)
    target = load_person(person_id)
    role = clean_choice(role, "role", MEMBER_ROLES, "member")
    member = membership(network, target, include_left=True)
    if target.is_guest and (member is None or in_another_network(target, network.id)):
        raise Conflict(GUEST_IN_ANOTHER_NETWORK if member else GUESTS_BY_EMAIL)
    if member is not None and member.left_at is not None:
        member = rejoin(member, "invited" if invite else "active")
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
        asked = member.state == "requested"
        member.state = "invited" if invite and member.state == "invited" else "active"
        if member.state == "active":
            member.joined_at = now_utc()
            if asked:
                notify(target.id, "approved", person, network)
        member.role = role
    if member.state == "invited":
        _notify_invited(person, network, target.id)
        broadcast.invited(network.id, [target.id])
    db.session.flush()
    return member


def invite_member(
    person: Person, network_id: Any, person_id: Any, role: Any = "member"
) -> NetworkMember:
    """A facilitator's "add": with consent, an invitation the person accepts or
    declines (state ``invited``, an "invite" notification); someone who had asked to
    join is let in at once. ``add_member`` with ``invite=True``; ``Conflict`` for
    someone who is a member already."""
    network = load_network(network_id)
    require_moderate(person, network)
    target = load_person(person_id)
    member = membership(network, target)
    if member is not None and member.state == "active":
        raise Conflict(_l("%(name)s is a member already.", name=target.name))
    return add_member(person, network.id, target.id, role, invite=True)


def notify(person_id: int, kind: str, actor: Person | None, network: Network) -> None:
    """An in-app notification of ``kind`` about the network (it reaches the e-mail
    digest too), and ``notification:new`` to the person's open pages after the commit."""
    db.session.add(
        Notification(
            person_id=person_id,
            kind=kind,
            actor_id=actor.id if actor is not None else None,
            network_id=network.id,
            link=f"/networks/{network.id}",
        )
    )
    realtime.queue(
        realtime.person_room(person_id),
        "notification:new",
        {"kind": kind, "network_id": network.id},
    )


def _tell_invitation_accepted(network: Network, member: NetworkMember) -> None:
    """Whoever invited the person hears that they accepted; when the inviter no longer
    facilitates the network, its facilitators do."""
    told = facilitator_ids(network.id)
    if member.invited_by_id in told:
        told = [member.invited_by_id]
    person = db.session.get(Person, member.person_id)
    for facilitator_id in told:
        if facilitator_id != member.person_id:
            notify(facilitator_id, "invite_accepted", person, network)


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


def set_member_role(person: Person, network_id: Any, person_id: Any, role: Any) -> NetworkMember:
    """Make a member facilitator or plain member again (facilitators)."""
    network = load_network(network_id)
    require_moderate(person, network)
    target = load_person(person_id)
    role = clean_choice(role, "role", MEMBER_ROLES)
    member = membership(network, target)
    if member is None or member.state != "active":
        raise NotFound(_l("This person is not a member."))
    if role == "facilitator" and target.is_guest:
        raise PermissionDenied(_l("Guests cannot be facilitators."))
    if role == "member" and member.role == "facilitator" and len(facilitator_ids(network.id)) <= 1:
        raise Conflict(_l("A network needs at least one facilitator."))
    if role == "facilitator" and member.role != "facilitator" and target.id != person.id:
        notify(target.id, "made_facilitator", person, network)
    member.role = role
    db.session.flush()
    return member


def remove_member(person: Person, network_id: Any, person_id: Any) -> None:
    """Remove a member, decline a request or withdraw an invitation (facilitators);
    anyone may remove themself (``leave_network``)."""
    network = load_network(network_id)
    target = load_person(person_id)
    if target.id == person.id:
        return leave_network(person, network.id)
    require_moderate(person, network)
    member = membership(network, target)
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
    broadcast.dropped_from_network(target.id, network.id)
    return None


def leave_network(person: Person, network_id: Any) -> None:
    """Leave a network (or withdraw one's request). The last facilitator of an active
    network with other members cannot leave."""
    network = load_network(network_id)
    member = membership(network, person)
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
                NetworkMember.active(),
                NetworkMember.person_id != person.id,
            )
        )
        if others:
            raise Conflict(_l("Make another member facilitator before you leave."))
    _end_membership(member)
    db.session.flush()
    broadcast.dropped_from_network(person.id, network.id)


def list_members(
    person: Person, network_id: Any, states: Iterable[str] = ("active",)
) -> list[NetworkMember]:
    """Members (facilitators first, then by name). Requests and invitations
    (``states``) only for facilitators."""
    network = load_network(network_id)
    require_read(person, network)
    states = tuple(states)
    if set(states) - {"active"} and not permissions.can_moderate(person, network):
        states = ("active",)
    stmt = (
        sa.select(NetworkMember)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(
            NetworkMember.network_id == network.id,
            NetworkMember.state.in_(states),
            NetworkMember.current(),
        )
        .options(selectinload(NetworkMember.person))
        .order_by(sa.case((NetworkMember.role == "facilitator", 0), else_=1), Person.name)
    )
    return list(db.session.scalars(stmt))


def rejoin(member: NetworkMember, state: str) -> NetworkMember:
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


def ensure_member(person: Person, network: Network, member: Any = permissions.LOOK_UP) -> None:
    """Posting in an open network makes an employee a member."""
    if permissions.is_network_member(person, network, member):
        return
    db.session.execute(
        dialect_insert(NetworkMember)
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


def active_member_ids(network_id: int) -> list[int]:
    """Ids of the network's active members."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.person_id).where(
                NetworkMember.network_id == network_id,
                NetworkMember.active(),
            )
        )
    )


def network_ids_for_person(person: Person) -> list[int]:
    """Ids of the networks the person is an active member of."""
    return list(
        db.session.scalars(
            sa.select(NetworkMember.network_id).where(
                NetworkMember.person_id == person.id,
                NetworkMember.active(),
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
                NetworkMember.active(),
                Network.status == "active",
            )
        )
    )
