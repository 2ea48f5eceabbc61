"""Erasure: after an admin erases a seeded person, no table holds anything of theirs."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from kollega.errors import PermissionDenied
from kollega.extensions import db
from kollega.models import metadata
from kollega.networks.models import Message
from kollega.networks.send import send_message
from kollega.privacy import services
from tests.security.world import build_world


def _traces(person_id: int, needles: list[str]) -> list[str]:
    """Every place in the database where the person's id (in a person column) or one of
    the needles (in a text or JSON column) turns up."""
    found = []
    for table in metadata.sorted_tables:
        for column in services.person_columns(table):
            n = db.session.scalar(sa.select(sa.func.count()).where(column == person_id))
            if n:
                found.append(f"{table.name}.{column.name} = {person_id} ({n} rows)")
        if table.name == "people":
            n = db.session.scalar(sa.select(sa.func.count()).where(table.c.id == person_id))
            if n:
                found.append(f"people.id = {person_id}")
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                text = sa.cast(column, sa.Text)
                for needle in needles:
                    n = db.session.scalar(
                        sa.select(sa.func.count()).where(text.ilike(f"%{needle}%"))
                    )
                    if n:
                        found.append(f"{table.name}.{column.name} holds {needle!r}")
    return found


def test_erasure_leaves_nothing(org: Any) -> None:
    world = build_world(org)
    eva = org.employee
    # Someone replies to Eva's message: it stays, as "Deleted user", without its body.
    eva_msg = world.own["message_id"]
    lonely = send_message(eva, world.own["thread_id"], "erase-2", "Ingen svarer meg").message
    db.session.commit()
    lonely_id = lonely.id
    needles = [eva.name, eva.email, eva.employee_no, "Evas melding", "Ingen svarer meg"]
    eva_id = eva.id
    assert _traces(eva_id, needles)  # the search finds her before
    services.erase_person(org.admin, eva)
    db.session.commit()
    db.session.expire_all()
    assert _traces(eva_id, needles) == []
    kept = db.session.get(Message, eva_msg)
    assert kept is not None and kept.body == "" and kept.author.name == "Deleted user"
    assert db.session.get(Message, lonely_id) is None
    # The reply to it is untouched.
    assert db.session.scalar(sa.select(Message).where(Message.reply_to_id == eva_msg)) is not None


def test_only_an_admin_erases(org: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.erase_person(org.hr, org.employee)
    with pytest.raises(PermissionDenied):
        services.erase_person(org.admin, org.admin)
