"""Read-only questions about plans that other modules ask without a use case: what an
employee may read (``permissions``) and what a measure may point at (the plan page)."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.models import Network
from kollega.org.models import Person
from kollega.plans.models import Plan
from kollega.training.models import Training


def has_shared_plan_above(person: Person) -> bool:
    """Whether a plan of the person's unit or a unit above it has been shared (what an
    employee may read, see ``permissions.can_view_plan``). One indexed query."""
    if person.unit is None:
        return False
    found = db.session.scalar(
        sa.select(Plan.id)
        .where(Plan.shared.is_(True), Plan.unit_id.in_(person.unit.ancestor_ids()))
        .limit(1)
    )
    return found is not None


def active_networks() -> list[Network]:
    """The networks a measure may mobilise, by name."""
    return list(
        db.session.scalars(
            sa.select(Network).where(Network.status == "active").order_by(Network.name)
        )
    )


def active_trainings() -> list[Training]:
    """The trainings a measure may use, by title."""
    return list(
        db.session.scalars(
            sa.select(Training).where(Training.active.is_(True)).order_by(Training.title)
        )
    )
