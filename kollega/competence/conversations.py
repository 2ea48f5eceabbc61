"""Development conversations: what the leader and the employee agreed; only the
employee and the leader chain see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.competence.models import (
    Competence,
    CompetencePlan,
    CompetencePlanGoal,
    ConversationCompetence,
    ConversationGoal,
    DevelopmentConversation,
)
from kollega.competence.services import check_level, clean_note
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

# Fewer conversations than this on a goal are shown as "fewer than" on the unit plan,
# as the metrics hide groups under their threshold (kollega.metrics.analysis.MIN_GROUP).
MIN_GROUP = 5


def conversations(actor: Person, person: Person) -> list[DevelopmentConversation]:
    """The person's development conversations, newest first, for those who may see them."""
    permissions.require(permissions.can_view_conversations(actor, person))
    return list(
        db.session.scalars(
            sa.select(DevelopmentConversation)
            .where(DevelopmentConversation.person_id == person.id)
            .options(
                selectinload(DevelopmentConversation.items).selectinload(
                    ConversationCompetence.competence
                ),
                selectinload(DevelopmentConversation.leader),
                selectinload(DevelopmentConversation.plan_goals),
            )
            .order_by(DevelopmentConversation.held_on.desc())
        )
    )


def record_conversation(
    actor: Person,
    person: Person,
    held_on: dt.date,
    agreed_goals: str,
    measures: str = "",
    competences: Sequence[tuple[Competence, Any]] = (),
    follow_up_on: dt.date | None = None,
    goal_ids: Sequence[int] = (),
) -> DevelopmentConversation:
    """The leader writes down what was agreed; only the employee and leader chain see it.
    ``goal_ids`` picks goals (with their measures) of the competence plans of the
    person's unit and the units above it for the conversation's year; any other id is a
    422. The follow-up date becomes a reminder for both (``competence.jobs``)."""
    permissions.require(
        permissions.can_record_conversation(actor, person),
        _l("Only the employee's leader can record a development conversation."),
    )
    if not (agreed_goals or "").strip():
        msg = _l("Write down what you agreed.")
        raise ValidationError(msg, fields={"agreed_goals": msg})
    conv = DevelopmentConversation(
        person_id=person.id,
        leader_id=actor.id,
        held_on=held_on,
        agreed_goals=clean_note(agreed_goals, "agreed_goals"),
        measures=clean_note(measures, "measures"),
        follow_up_on=follow_up_on,
    )
    offered = {g.id: g for g in offered_goals(person, held_on.year)}
    chosen = list(dict.fromkeys(goal_ids))
    if any(gid not in offered for gid in chosen):
        msg = _l("Pick goals from the unit's competence plan.")
        raise ValidationError(msg, fields={"plan_goals": msg})
    conv.plan_goals = [offered[gid] for gid in chosen]
    db.session.add(conv)
    seen: set[int] = set()
    for comp, target in competences:
        if comp.id in seen:
            continue
        seen.add(comp.id)
        value = check_level(comp, target, "target_level") if target not in (None, "") else None
        conv.items.append(ConversationCompetence(competence_id=comp.id, target_level=value))
    db.session.flush()
    return conv


def offered_goals(person: Person, year: int) -> list[CompetencePlanGoal]:
    """The goals a conversation with ``person`` may pick: those of the competence plans
    of their unit and the units above it (each unit's plan for ``year``, or its latest
    before it when that year has none yet), the nearest unit's first."""
    unit: OrgUnit | None = person.unit
    if unit is None:
        return []
    ids = unit.ancestor_ids()
    latest = (
        sa.select(CompetencePlan.unit_id, sa.func.max(CompetencePlan.year).label("year"))
        .where(CompetencePlan.unit_id.in_(ids), CompetencePlan.year <= year)
        .group_by(CompetencePlan.unit_id)
        .subquery()
    )
    rows = list(
        db.session.scalars(
            sa.select(CompetencePlanGoal)
            .join(CompetencePlan, CompetencePlan.id == CompetencePlanGoal.plan_id)
            .join(
                latest,
                sa.and_(
                    latest.c.unit_id == CompetencePlan.unit_id, latest.c.year == CompetencePlan.year
                ),
            )
            .options(selectinload(CompetencePlanGoal.plan).selectinload(CompetencePlan.unit))
            .order_by(CompetencePlanGoal.id)
        )
    )
    depth = {uid: i for i, uid in enumerate(reversed(list(ids)))}
    return sorted(rows, key=lambda g: (depth.get(g.plan.unit_id, 99), g.id))


def goal_counts(plan: CompetencePlan) -> dict[int, int | None]:
    """How many development conversations picked each of the plan's goals (aggregate:
    ``None`` for a count from 1 to ``MIN_GROUP`` - 1, which the page shows as "fewer
    than 5", so that no single conversation can be made out)."""
    rows = db.session.execute(
        sa.select(ConversationGoal.goal_id, sa.func.count(ConversationGoal.conversation_id))
        .where(ConversationGoal.goal_id.in_([g.id for g in plan.goals]))
        .group_by(ConversationGoal.goal_id)
    )
    found = {gid: int(n) for gid, n in rows}
    out: dict[int, int | None] = {}
    for goal in plan.goals:
        n = found.get(goal.id, 0)
        out[goal.id] = n if n == 0 or n >= MIN_GROUP else None
    return out


def follow_ups_due(today: dt.date, days_back: int = 7) -> list[DevelopmentConversation]:
    """Conversations whose follow-up date has come (up to ``days_back`` days ago, to
    catch up a scheduler that was down) and whose reminder has not gone out."""
    return list(
        db.session.scalars(
            sa.select(DevelopmentConversation)
            .where(
                DevelopmentConversation.follow_up_on.is_not(None),
                DevelopmentConversation.follow_up_on <= today,
                DevelopmentConversation.follow_up_on >= today - dt.timedelta(days=days_back),
                DevelopmentConversation.follow_up_reminded_at.is_(None),
            )
            .order_by(DevelopmentConversation.id)
        )
    )
