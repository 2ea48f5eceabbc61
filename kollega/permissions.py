"""The one place that answers "may this person see / change that".

Every feature asks here rather than checking roles itself, so that the rules of
``DESIGN.md`` (leader chain, HR, no role reads closed networks) live in one file.
Functions take the acting person (or ``None`` for anonymous) and plain models.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega.errors import PermissionDenied
from kollega.extensions import db
from kollega.networks.models import Network, NetworkMember
from kollega.org.models import OrgUnit, Person
from kollega.plans.queries import has_shared_plan_above


def is_authenticated(actor: Person | None) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.active


def led_paths(actor: Person) -> list[str]:
    """Materialised paths of the units the actor leads (each covers its subtree)."""
    return [u.path for u in actor.led_units]


def leads_unit(actor: Person | None, unit: OrgUnit | None) -> bool:
    """True when the actor leads this unit or one of its ancestors."""
    if not is_authenticated(actor) or unit is None:
        return False
    return any(unit.path.startswith(p) for p in led_paths(actor))


def leads_person(actor: Person | None, person: Person) -> bool:
    if person.id == getattr(actor, "id", None):
        return False
    return leads_unit(actor, person.unit)


def can_view_person(actor: Person | None, person: Person) -> bool:
    """Basic profile (name, e-mail, unit, job): self, colleagues in the same unit,
    the leader chain, HR, and admins (who manage accounts)."""
    if not is_authenticated(actor):
        return False
    if actor.id == person.id or actor.is_hr or actor.is_admin:
        return True
    if actor.is_guest:
        return False
    if person.unit_id is not None and person.unit_id == actor.unit_id:
        return True
    return leads_person(actor, person)


def can_view_competence(actor: Person | None, person: Person) -> bool:
    """Individual competence data is personal data: self, leader chain, HR."""
    if not is_authenticated(actor):
        return False
    return actor.id == person.id or actor.is_hr or leads_person(actor, person)


def can_review_competence(actor: Person | None, person: Person) -> bool:
    """Confirming someone's competence is for their leader chain only."""
    return leads_person(actor, person)


def can_assess_self(actor: Person | None, person: Person) -> bool:
    """Self-assessment: the person themself (not guests)."""
    return is_authenticated(actor) and actor.id == person.id and not actor.is_guest


def can_manage_credentials(actor: Person | None, person: Person) -> bool:
    """Registering formal credentials: the person, their leader chain, HR."""
    if not is_authenticated(actor):
        return False
    return actor.id == person.id or actor.is_hr or leads_person(actor, person)


def can_view_conversations(actor: Person | None, person: Person) -> bool:
    """Development conversations: only the employee and their leader chain (not HR)."""
    if not is_authenticated(actor):
        return False
    return actor.id == person.id or leads_person(actor, person)


def can_record_conversation(actor: Person | None, person: Person) -> bool:
    """Writing a development conversation: the employee's leader chain."""
    return leads_person(actor, person)


def can_set_requirements(actor: Person | None, unit: OrgUnit | None) -> bool:
    """Unit requirements: the unit's leader chain and HR; job-code requirements
    (``unit`` None) are municipality-wide, for HR only."""
    if unit is None:
        return is_hr(actor)
    return can_manage_unit(actor, unit)


def can_manage_frameworks(actor: Person | None) -> bool:
    """Adding and editing competence frameworks: HR."""
    return is_hr(actor)


def can_search_experts(actor: Person | None) -> bool:
    """Who knows this?: everyone signed in except guests (finds opted-in people only)."""
    return is_authenticated(actor) and not actor.is_guest


def can_view_unit(actor: Person | None, unit: OrgUnit) -> bool:
    """Everyone signed in (except guests) may see the unit tree itself."""
    return is_authenticated(actor) and not actor.is_guest


def can_view_unit_people(actor: Person | None, unit: OrgUnit) -> bool:
    """The people list of a unit: its leader chain and HR (and admins for accounts)."""
    if not is_authenticated(actor):
        return False
    return actor.is_hr or actor.is_admin or leads_unit(actor, unit)


def can_manage_unit(actor: Person | None, unit: OrgUnit) -> bool:
    """Requirements, annual cycle and plans of a unit: its leader chain and HR."""
    if not is_authenticated(actor):
        return False
    return actor.is_hr or leads_unit(actor, unit)


def can_manage_accounts(actor: Person | None) -> bool:
    return is_authenticated(actor) and actor.is_admin


def can_import(actor: Person | None) -> bool:
    return is_authenticated(actor) and (actor.is_hr or actor.is_admin)


def is_hr(actor: Person | None) -> bool:
    return is_authenticated(actor) and actor.is_hr


def can_view_unit_gaps(actor: Person | None, unit: OrgUnit) -> bool:
    """A unit's gap tables and heatmap: its leader chain and HR."""
    return can_manage_unit(actor, unit)


def can_manage_training(actor: Person | None) -> bool:
    """The training catalogue (trainings, sessions) is kept by HR."""
    return is_hr(actor)


def can_enrol(actor: Person | None, person: Person) -> bool:
    """Enrol or cancel for a person: the person themself, their leader chain, HR."""
    if not is_authenticated(actor):
        return False
    if actor.id == person.id:
        return not actor.is_guest
    return actor.is_hr or leads_person(actor, person)


def can_record_training_completion(actor: Person | None, person: Person) -> bool:
    """Marking a training completed (formal evidence): HR and the leader chain."""
    if not is_authenticated(actor):
        return False
    return actor.is_hr or leads_person(actor, person)


def visible_people_filter(actor: Person) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting exactly the people ``can_view_person`` allows."""
    if actor.is_hr or actor.is_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [Person.id == actor.id]
    if not actor.is_guest:
        if actor.unit_id is not None:
            clauses.append(Person.unit_id == actor.unit_id)
        paths = led_paths(actor)
        if paths:
            sub = sa.select(OrgUnit.id).where(sa.or_(*[OrgUnit.path.startswith(p) for p in paths]))
            clauses.append(Person.unit_id.in_(sub))
    return sa.or_(*clauses)


def subtree_unit_ids(unit: OrgUnit) -> list[int]:
    """Ids of the unit and every unit below it."""
    return list(db.session.scalars(sa.select(OrgUnit.id).where(OrgUnit.path.startswith(unit.path))))


def require(allowed: bool, message: object = "") -> None:
    """Raise ``PermissionDenied`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message or _l("You do not have access to this."))


# --- learning networks ---------------------------------------------------------------
# Messages in closed networks (visibility request or invite) are for active members only:
# no role (HR, admin, leader) reads them by virtue of that role. Open networks are readable
# by every employee, never by guests; a guest sees only the networks they belong to.


def network_membership(actor: Person | None, network: Any) -> Any:
    """The actor's ``NetworkMember`` row in the network (any state), or ``None``; a
    leaver's row (kept for past periods' metrics) counts as none."""
    if not is_authenticated(actor) or network is None:
        return None
    return db.session.scalar(
        sa.select(NetworkMember).where(
            NetworkMember.network_id == network.id,
            NetworkMember.person_id == actor.id,
            NetworkMember.left_at.is_(None),
        )
    )


# ``member``: the actor's row as ``network_membership`` gives it, when the caller has
# loaded it already (with the thread, say); left out, it is looked up.
LOOK_UP: Any = object()


def is_network_member(actor: Person | None, network: Any, member: Any = LOOK_UP) -> bool:
    if member is LOOK_UP:
        member = network_membership(actor, network)
    return member is not None and member.state == "active"


def is_facilitator(actor: Person | None, network: Any, member: Any = LOOK_UP) -> bool:
    if member is LOOK_UP:
        member = network_membership(actor, network)
    return member is not None and member.state == "active" and member.role == "facilitator"


def facilitates_any_network(actor: Person | None) -> bool:
    if not is_authenticated(actor):
        return False
    return (
        db.session.scalar(
            sa.select(NetworkMember.id)
            .join(Network, Network.id == NetworkMember.network_id)
            .where(
                NetworkMember.person_id == actor.id,
                NetworkMember.role == "facilitator",
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
                Network.status == "active",
            )
            .limit(1)
        )
        is not None
    )


def can_create_network(actor: Person | None) -> bool:
    """Create an active network at once: facilitators, leaders and HR."""
    if not is_authenticated(actor) or actor.is_guest:
        return False
    return actor.is_hr or bool(actor.led_units) or facilitates_any_network(actor)


def can_propose_network(actor: Person | None) -> bool:
    """Every employee may propose a network (a leader or HR approves it)."""
    return is_authenticated(actor) and not actor.is_guest


def can_approve_network(actor: Person | None, network: Any) -> bool:
    """A proposal is approved by HR, or by a leader of its unit (any leader when it has none)."""
    if not is_authenticated(actor) or actor.is_guest or network.status != "proposed":
        return False
    if actor.is_hr:
        return True
    if network.unit is None:
        return bool(actor.led_units)
    return leads_unit(actor, network.unit)


def can_see_network(actor: Person | None, network: Any) -> bool:
    """Know that the network exists (name, purpose, visibility), to join or ask to join."""
    if not is_authenticated(actor) or network is None:
        return False
    if network_membership(actor, network) is not None:
        return True
    if actor.is_guest:
        return False
    if network.status == "proposed":
        return network.created_by_id == actor.id or can_approve_network(actor, network)
    return network.visibility in ("open", "request")


def can_read_network(actor: Person | None, network: Any, member: Any = LOOK_UP) -> bool:
    """Read threads, messages and the member list."""
    if not is_authenticated(actor) or network is None:
        return False
    if is_network_member(actor, network, member):
        return True
    if actor.is_guest:
        return False
    return network.visibility == "open" and network.status in ("active", "archived")


def can_post(actor: Person | None, network: Any, member: Any = LOOK_UP) -> bool:
    """Post, react and open threads: active members of an active network; in an open
    network every employee (posting makes them a member)."""
    if not is_authenticated(actor) or network is None or network.status != "active":
        return False
    if is_network_member(actor, network, member):
        return True
    return not actor.is_guest and network.visibility == "open"


def can_moderate(actor: Person | None, network: Any, member: Any = LOOK_UP) -> bool:
    """Invite, approve, remove, delete others' messages, change settings: facilitators."""
    return (
        network is not None
        and network.status != "archived"
        and is_facilitator(actor, network, member)
    )


def can_change_network_settings(actor: Person | None, network: Any) -> bool:
    """The network's settings page (name, purpose, visibility, target competences,
    archive and unarchive): its facilitators, and admins (configuration, never its
    messages). Not HR or leaders: they do not run networks (HR may still archive)."""
    if network is None or not is_authenticated(actor) or actor.is_guest:
        return False
    return actor.is_admin or is_facilitator(actor, network)


def can_archive_network(actor: Person | None, network: Any) -> bool:
    if network is None or network.status != "active":
        return False
    return is_facilitator(actor, network) or is_hr(actor)


def can_manage_thread(actor: Person | None, thread: Any, member: Any = LOOK_UP) -> bool:
    """Resolve, reopen and accept an answer: the thread's opener and the facilitators."""
    network = thread.network
    if network.status != "active" or not can_read_network(actor, network, member):
        return False
    return thread.created_by_id == getattr(actor, "id", None) or is_facilitator(
        actor, network, member
    )


def readable_networks_filter(actor: Person) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``Network`` selecting exactly what ``can_read_network`` allows."""
    member_of = sa.select(NetworkMember.network_id).where(
        NetworkMember.person_id == actor.id,
        NetworkMember.state == "active",
        NetworkMember.left_at.is_(None),
    )
    clauses: list[sa.ColumnElement[bool]] = [Network.id.in_(member_of)]
    if not actor.is_guest:
        clauses.append(
            sa.and_(Network.visibility == "open", Network.status.in_(("active", "archived")))
        )
    return sa.or_(*clauses)


def visible_networks_filter(actor: Person) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``Network`` selecting exactly what ``can_see_network`` allows."""
    related = sa.select(NetworkMember.network_id).where(
        NetworkMember.person_id == actor.id, NetworkMember.left_at.is_(None)
    )
    clauses: list[sa.ColumnElement[bool]] = [Network.id.in_(related)]
    if not actor.is_guest:
        clauses.append(
            sa.and_(Network.status != "proposed", Network.visibility.in_(("open", "request")))
        )
        clauses.append(sa.and_(Network.status == "proposed", Network.created_by_id == actor.id))
        if actor.is_hr:
            clauses.append(Network.status == "proposed")
        elif actor.led_units:
            led = sa.select(OrgUnit.id).where(
                sa.or_(*[OrgUnit.path.startswith(p) for p in led_paths(actor)])
            )
            clauses.append(
                sa.and_(
                    Network.status == "proposed",
                    sa.or_(Network.unit_id.is_(None), Network.unit_id.in_(led)),
                )
            )
    return sa.or_(*clauses)


# --- annual cycle ------------------------------------------------------------------------
# Leaders plan for the units they lead (and below), facilitators for their networks,
# HR for any unit and municipality-wide periods.


def can_plan_unit_cycle(actor: Person | None, unit: OrgUnit) -> bool:
    return can_manage_unit(actor, unit)


def can_plan_municipality_cycle(actor: Person | None) -> bool:
    return is_hr(actor)


def can_plan_network_cycle(actor: Person | None, network_id: int) -> bool:
    if not is_authenticated(actor):
        return False
    try:
        network = db.session.get(Network, int(network_id))
    except (TypeError, ValueError):
        return False
    return network is not None and is_facilitator(actor, network)


def can_plan_cycle_event(actor: Person | None, event: Any) -> bool:
    """Change an event, check others in: whoever may plan for its audience."""
    if not is_authenticated(actor):
        return False
    if event.municipality_wide:
        return can_plan_municipality_cycle(actor)
    if event.unit is not None:
        return can_plan_unit_cycle(actor, event.unit)
    if event.network_id is not None:
        return can_plan_network_cycle(actor, event.network_id)
    return False


def can_mark_practice(actor: Person | None, event: Any) -> bool:
    """Marking the competences attendees practised at a stop (which proposes assessments
    for their leaders to confirm): whoever runs the stop, i.e. the unit's leader chain,
    the network's facilitator, HR for municipality-wide stops."""
    return bool(getattr(event, "is_stop", False)) and can_plan_cycle_event(actor, event)


def can_plan_any_cycle(actor: Person | None) -> bool:
    """Whether to offer the "new event" form at all."""
    if not is_authenticated(actor):
        return False
    return actor.is_hr or bool(actor.led_units) or facilitates_any_network(actor)


def can_read_outbox(actor: Person | None) -> bool:
    """The embedded mail outbox and the scheduler's heartbeat: administrators."""
    return can_manage_accounts(actor)


# --- metrics ---------------------------------------------------------------------------
# Participation and gap-closure metrics are aggregates only (never message contents):
# HR for any unit (municipality-wide too), leaders for the units they lead and below.


def can_view_metrics(actor: Person | None, unit: OrgUnit) -> bool:
    if not is_authenticated(actor) or actor.is_guest:
        return False
    return actor.is_hr or leads_unit(actor, unit)


def can_view_any_metrics(actor: Person | None) -> bool:
    """Whether to offer the metrics pages at all (HR and leaders)."""
    if not is_authenticated(actor) or actor.is_guest:
        return False
    return actor.is_hr or bool(actor.led_units)


# --- strategic competence plans ------------------------------------------------------------
# Leaders plan for the units they lead (and below), HR for any unit and the municipality;
# employees of the plan's subtree may read a plan once it is shared with them.


def can_create_plan(actor: Person | None, unit: OrgUnit) -> bool:
    return not getattr(actor, "is_guest", True) and can_manage_unit(actor, unit)


def can_manage_plan(actor: Person | None, plan: Any) -> bool:
    return plan is not None and can_create_plan(actor, plan.unit)


def can_view_plan(actor: Person | None, plan: Any) -> bool:
    if not is_authenticated(actor) or plan is None or actor.is_guest:
        return False
    if can_manage_plan(actor, plan):
        return True
    unit = actor.unit
    return bool(plan.shared) and unit is not None and unit.path.startswith(plan.unit.path)


def can_plan_any(actor: Person | None) -> bool:
    """Whether to offer the plan pages' "new plan" form (HR and leaders)."""
    if not is_authenticated(actor) or actor.is_guest:
        return False
    return actor.is_hr or bool(actor.led_units)


def can_see_plans_menu(actor: Person | None) -> bool:
    """The "Competence plan" menu entry: whoever may plan, and employees who can read at
    least one plan (one shared with their unit or a unit above it)."""
    if can_plan_any(actor):
        return True
    if not is_authenticated(actor) or actor.is_guest:
        return False
    return has_shared_plan_above(actor)  # type: ignore[arg-type]
