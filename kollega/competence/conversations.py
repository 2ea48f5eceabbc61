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
    ConversationCompetence,
    DevelopmentConversation,
)
from kollega.competence.services import check_level, clean_note
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import Person


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
) -> DevelopmentConversation:
    """The leader writes down what was agreed; only the employee and leader chain see it."""
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
