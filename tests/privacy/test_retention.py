"""Retention: old messages and idle accounts go, recent ones stay, and it is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks.models import Message
from kollega.networks.networks import archive_network, create_network
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread
from kollega.org.models import Person
from kollega.privacy import jobs, retention
from kollega.privacy.models import RetentionSettings
from tests import factories

LONG_AGO = now_utc() - dt.timedelta(days=800)


def _settings(**values: Any) -> None:
    row = RetentionSettings(id=1, message_scope="archived")
    for key, value in values.items():
        setattr(row, key, value)
    db.session.merge(row)
    db.session.commit()


def _age_message(message_id: int, when: dt.datetime = LONG_AGO) -> None:
    db.session.execute(sa.update(Message).where(Message.id == message_id).values(created_at=when))


def _age_person(person_id: int, when: dt.datetime = LONG_AGO) -> None:
    db.session.execute(
        sa.update(Person).where(Person.id == person_id).values(created_at=when, updated_at=when)
    )


def _actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _messages_world(org: Any) -> dict[str, int]:
    lead = org.leader
    archived = create_network(lead, "Gammelt nettverk", "", visibility="open")
    t_arch, _ = open_thread(lead, archived.id, "Gammel tråd", body="Startinnlegg")
    old_arch = send_message(lead, t_arch.id, "r-1", "Gammel melding i arkivert").message
    new_arch = send_message(lead, t_arch.id, "r-2", "Ny melding i arkivert").message
    live = create_network(lead, "Levende nettverk", "", visibility="open")
    t_live, _ = open_thread(lead, live.id, "Levende tråd", body="Hei")
    old_live = send_message(lead, t_live.id, "r-3", "Gammel melding i levende").message
    archive_network(lead, archived.id)
    db.session.commit()
    for m in (old_arch.id, old_live.id):
        _age_message(m)
    db.session.commit()
    return {"old_arch": old_arch.id, "new_arch": new_arch.id, "old_live": old_live.id}


def _exists(message_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Message, message_id) is not None


def test_nothing_happens_without_settings(org):
    ids = _messages_world(org)
    _age_person(org.colleague.id)
    db.session.commit()
    result = jobs.run_retention()
    assert (result.messages_deleted, result.deactivated, result.erased) == (0, [], [])
    assert all(_exists(m) for m in ids.values())


def test_old_messages_in_archived_networks_go(org):
    ids = _messages_world(org)
    _settings(message_months=12, message_scope="archived")
    result = jobs.run_retention()
    assert result.messages_deleted == 1
    assert not _exists(ids["old_arch"])
    assert _exists(ids["new_arch"])  # recent, even though the network is archived
    assert _exists(ids["old_live"])  # old, but the network is in use
    [event] = _actions("privacy.retention_messages")
    assert event.details["count"] == 1 and event.details["scope"] == "archived"
    # Idempotent: a second run finds nothing and logs nothing.
    assert jobs.run_retention().messages_deleted == 0
    assert len(_actions("privacy.retention_messages")) == 1


def test_scope_all_deletes_old_messages_everywhere(org):
    ids = _messages_world(org)
    _settings(message_months=12, message_scope="all")
    assert jobs.run_retention().messages_deleted == 2
    assert not _exists(ids["old_arch"]) and not _exists(ids["old_live"])
    assert _exists(ids["new_arch"])


def test_idle_accounts_are_deactivated_then_erased(org):
    idle = factories.make_person(org.unit_a1, name="Ivar Inaktiv", email="ivar@test.kollega.no")
    idle_admin = factories.make_person(org.root, roles=("employee", "admin"))
    db.session.commit()
    idle_id, recent_id = idle.id, org.colleague.id
    for pid in (idle_id, idle_admin.id, recent_id):
        _age_person(pid)
    # The colleague signed in recently: not idle.
    db.session.add(AuditEvent(action="auth.sign_in", actor_id=recent_id))
    db.session.commit()
    _settings(deactivate_months=12, erase_months=6)

    result = jobs.run_retention()
    assert result.deactivated == [idle_id]
    assert result.erased == []  # deactivated just now: the erasure clock starts
    db.session.expire_all()
    assert db.session.get(Person, idle_id).active is False
    assert db.session.get(Person, recent_id).active is True
    assert db.session.get(Person, idle_admin.id).active is True  # admins are exempt
    assert [e.target_id for e in _actions("privacy.retention_deactivated")] == [idle_id]
    assert jobs.run_retention().deactivated == []  # idempotent

    # Seven months after the deactivation (nothing happened since): erased.
    _age_person(idle_id, now_utc() - dt.timedelta(days=215))
    db.session.commit()
    result = jobs.run_retention()
    assert result.erased == [idle_id]
    db.session.expire_all()
    assert db.session.get(Person, idle_id) is None
    [erase] = _actions("privacy.erase")
    assert erase.target_id == idle_id and erase.details == {"reason": "retention"}
    assert erase.actor_id is None


def test_reactivated_account_is_not_deactivated_again(org):
    _age_person(org.colleague.id)
    db.session.commit()
    _settings(deactivate_months=12)
    assert jobs.run_retention().deactivated == [org.colleague.id]
    # An admin reactivates the account: that is a change, so the clock starts again.
    person = db.session.get(Person, org.colleague.id)
    person.active = True
    db.session.commit()
    assert jobs.run_retention().deactivated == []


def test_cli_applies_retention(org, runner):
    ids = _messages_world(org)
    _settings(message_months=12, message_scope="all")
    result = runner("privacy", "retention")
    assert result.exit_code == 0, result.output
    assert "messages deleted: 2" in result.output
    assert not _exists(ids["old_live"])


def test_months_before_clamps_the_day():
    at = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert retention.months_before(at, 1) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert retention.months_before(at, 15) == dt.datetime(2024, 12, 31, 12, tzinfo=dt.UTC)


def test_the_job_is_registered_on_the_scheduler(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from kollega import scheduler as registry

    scheduler = BackgroundScheduler(timezone="UTC")
    registry.add_jobs(scheduler, app)
    assert jobs.JOB_ID in {j.id for j in scheduler.get_jobs()}
