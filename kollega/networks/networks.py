"""Use cases of networks themselves: list, find, create, update, approve, reject, archive;
and plain lookups for other features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions, realtime
from kollega.competence.models import Competence
from kollega.db import now_utc
from kollega.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks.common import (
    as_int,
    clean_choice,
    clean_text,
    competence_codes,
    load_network,
    require_moderate,
)
from kollega.networks.models import (
    NETWORK_KINDS,
    VISIBILITIES,
    Network,
    NetworkMember,
)
from kollega.org.models import OrgUnit, Person


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
        .where(NetworkMember.active())
        .group_by(NetworkMember.network_id)
        .subquery()
    )
    mine_row = (
        sa.select(NetworkMember.network_id, NetworkMember.state, NetworkMember.role)
        .where(NetworkMember.person_id == person.id, NetworkMember.current())
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
            Network.status == clean_choice(status, "status", ("proposed", "active", "archived"))
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
    network = load_network(network_id)
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
        "name": clean_text(name, "name", required=True, max_len=200),
        "purpose": clean_text(purpose, "purpose", required=False, max_len=5000),
        "kind": clean_choice(kind, "kind", NETWORK_KINDS, "professional"),
        "visibility": clean_choice(visibility, "visibility", VISIBILITIES, "open"),
        "target_competences": competence_codes(target_competences, "target_competences"),
    }
    window = as_int(
        60 if edit_window_minutes in (None, "") else edit_window_minutes, "edit_window_minutes"
    )
    if not 0 <= window <= 60 * 24 * 30:
        message = _l("Between 0 and %(n)d minutes.", n=60 * 24 * 30)
        raise ValidationError(message, fields={"edit_window_minutes": message})
    unit = None
    if unit_id not in (None, ""):
        unit = db.session.get(OrgUnit, as_int(unit_id, "unit_id"))
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
    """Change name, purpose, kind, visibility, target competences (each in the competence
    register, as on the settings page) or edit window (facilitators): every field is
    checked first and all are stored or none (one ``ValidationError`` naming each bad
    field). A new name is told to open sidebars (``network_changed``)."""
    network = load_network(network_id)
    require_moderate(person, network)
    checks = {
        "name": lambda v: clean_text(v, "name", required=True, max_len=200),
        "purpose": lambda v: clean_text(v, "purpose", required=False, max_len=5000),
        "kind": lambda v: clean_choice(v, "kind", NETWORK_KINDS),
        "visibility": lambda v: clean_choice(v, "visibility", VISIBILITIES),
        "target_competences": registered_codes,
        "edit_window_minutes": _edit_window,
    }
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for field, check in checks.items():
        if field in changes:
            try:
                values[field] = check(changes[field])
            except ValidationError as exc:
                errors.update(exc.fields or {field: exc.message})
    if "name" in values and _name_taken(values["name"], network.id):
        errors["name"] = _l("A network with this name exists already.")
    if errors:
        # Every bad field named at once, and nothing changed.
        if len(errors) == 1:
            raise ValidationError(next(iter(errors.values())), fields=errors)
        raise ValidationError(_l("Some settings are not valid."), fields=errors)
    old_name = network.name
    for field, value in values.items():
        setattr(network, field, value)
    db.session.flush()
    if network.name != old_name:
        network_changed(network)
    return network


def network_changed(network: Network) -> None:
    """Queue ``network:updated`` {network_id, name, status} to the network's room (every
    open sidebar and page that lists or shows it: ``network:join`` let only those who may
    read it in) for the commit, once per unit of work, with the network as it is then."""
    room = realtime.network_room(network.id)
    if (room, "network:updated") not in realtime.pending():
        realtime.queue(
            room,
            "network:updated",
            lambda: {"network_id": network.id, "name": network.name, "status": network.status},
        )


def _edit_window(value: Any) -> int:
    window = as_int(value, "edit_window_minutes")
    if not 0 <= window <= 60 * 24 * 30:
        message = _l("Between 0 and %(n)d minutes.", n=60 * 24 * 30)
        raise ValidationError(message, fields={"edit_window_minutes": message})
    return window


def approve_network(person: Person, network_id: Any) -> Network:
    """Approve a proposed network (a leader of its unit, or HR)."""
    network = load_network(network_id)
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
    network = load_network(network_id)
    if network.status != "proposed":
        raise Conflict(_l("The network is not waiting for approval."))
    if not permissions.can_approve_network(person, network):
        raise PermissionDenied(_l("Only a leader of the network's unit or HR can approve it."))
    db.session.delete(network)
    db.session.flush()


def archive_network(person: Person, network_id: Any) -> Network:
    """Archive a network: it stays readable for those who could read it, and nobody posts."""
    network = load_network(network_id)
    if not permissions.can_archive_network(person, network):
        if network.status == "archived":
            raise Conflict(_l("The network is archived already."))
        raise PermissionDenied(_l("Only the network's facilitators or HR can archive it."))
    network.status = "archived"
    network.archived_at = now_utc()
    db.session.flush()
    network_changed(network)
    return network


def get_network(network_id: int) -> Network | None:
    """The network with this id, or ``None``."""
    try:
        return db.session.get(Network, int(network_id))
    except (TypeError, ValueError):
        return None


def network_id_for_unit(unit_id: int) -> int | None:
    """The unit's own network: its oldest active network owned by the unit, if any."""
    return db.session.scalar(
        sa.select(Network.id)
        .where(Network.unit_id == unit_id, Network.status == "active")
        .order_by(Network.id)
        .limit(1)
    )


# --- the settings page ---------------------------------------------------------------------


def settings_network(person: Person, network_id: Any) -> Network:
    """The network whose settings the person may change (its facilitators, admins);
    ``NotFound`` when they may not know of it, else ``PermissionDenied``."""
    network = load_network(network_id)
    if permissions.can_change_network_settings(person, network):
        return network
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    raise PermissionDenied(
        _l("Only the network's facilitators and the administrators can change its settings.")
    )


def change_settings(
    person: Person,
    network_id: Any,
    *,
    name: Any,
    purpose: Any,
    visibility: Any,
    target_competences: Any,
) -> list[str]:
    """Change the settings page's fields (facilitators, admins): every field is checked
    first and all are stored or none (one ``ValidationError`` naming each bad field).
    Target competences must be in the competence register. An archived network is
    unarchived before it is changed. Returns the names of the fields that changed."""
    network = settings_network(person, network_id)
    if network.status == "archived":
        raise Conflict(_l("The network is archived: unarchive it before changing its settings."))
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    checks = {
        "name": lambda: clean_text(name, "name", required=True, max_len=200),
        "purpose": lambda: clean_text(purpose, "purpose", required=False, max_len=5000),
        "visibility": lambda: clean_choice(visibility, "visibility", VISIBILITIES),
        "target_competences": lambda: registered_codes(target_competences),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as exc:
            errors.update(exc.fields or {field: exc.message})
    if "name" in values and _name_taken(values["name"], network.id):
        errors["name"] = _l("A network with this name exists already.")
    if errors:
        raise ValidationError(_l("Some settings are not valid."), fields=errors)
    changed = [field for field, value in values.items() if getattr(network, field) != value]
    for field in changed:
        setattr(network, field, values[field])
    db.session.flush()
    if "name" in changed:
        network_changed(network)
    return changed


def set_archived(person: Person, network_id: Any, archived: bool) -> Network:
    """Archive an active network (readable, nobody posts) or bring an archived one back
    (facilitators, admins; from the settings page)."""
    network = settings_network(person, network_id)
    if archived and network.status != "active":
        raise Conflict(_l("Only an active network can be archived."))
    if not archived and network.status != "archived":
        raise Conflict(_l("The network is not archived."))
    if not archived and _name_taken(network.name, network.id):
        raise Conflict(
            _l("An active network has the same name: rename one of them first."),
            fields={"name": _l("A network with this name exists already.")},
        )
    network.status = "archived" if archived else "active"
    network.archived_at = now_utc() if archived else None
    db.session.flush()
    network_changed(network)
    return network


def _name_taken(name: str, network_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Network.id).where(
                sa.func.lower(Network.name) == name.lower(),
                Network.status != "archived",
                Network.id != network_id,
            )
        )
        is not None
    )


def registered_codes(raw: Any) -> list[str]:
    """Competence codes, each of an active competence in the register (``ValidationError``
    on ``target_competences`` naming the unknown ones): the settings page's check and
    ``PATCH /api/v1/networks/{id}``'s."""
    codes = competence_codes(raw, "target_competences")
    known = set(
        db.session.scalars(
            sa.select(Competence.code).where(Competence.code.in_(codes), Competence.active)
        )
    )
    unknown = [code for code in codes if code not in known]
    if unknown:
        message = _l("Not in the competence register: %(codes)s", codes=", ".join(unknown))
        raise ValidationError(message, fields={"target_competences": message})
    return codes


def target_competences(network: Network) -> list[Competence]:
    """The network's target competences as the register has them, in the network's order
    (codes no longer in the register left out)."""
    codes = list(network.target_competences or [])
    if not codes:
        return []
    found = {
        c.code: c
        for c in db.session.scalars(sa.select(Competence).where(Competence.code.in_(codes)))
    }
    return [found[code] for code in codes if code in found]
