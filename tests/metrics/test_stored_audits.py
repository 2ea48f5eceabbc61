"""Disclosure audits stored for every process (``metrics.stored_audits``, issue #21): the
audit one process worked out is read by another (no second working out), a changed
membership is a new key (never a stale audit), the scheduler's job works out the
periods people look at before anyone asks, and unused audits are deleted."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kollega import clock
from kollega.extensions import db
from kollega.gaps.kept import Kept
from kollega.metrics import analysis, jobs, queries, services, stored_audits
from kollega.metrics.models import DisclosureAudit
from kollega.networks.models import NetworkMember
from tests.factories import make_person
from tests.metrics.data import build, member
from tests.metrics.test_disclosure_audit import PATHS as TINY_PATHS
from tests.metrics.test_disclosure_audit import memberships, steady

PERIOD = services.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def a_new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing kept in this process's memory, as in another worker or after a restart."""
    monkeypatch.setattr(services, "_AUDITS", Kept(services.AUDITS_KEPT))


def counted(monkeypatch: pytest.MonkeyPatch) -> list[services.Period]:
    """The periods whose audits are worked out from here on (not read from the store)."""
    made: list[services.Period] = []
    original = services.Suppression._audit

    def audit(self: services.Suppression, ms):  # type: ignore[no-untyped-def]
        made.append(self.p)
        return original(self, ms)

    monkeypatch.setattr(services.Suppression, "_audit", audit)
    return made


def cells(p: services.Period) -> dict:
    paths, ms = queries.tree_frames(p.end_utc)
    return services.Suppression(p, paths, ms).cells


def stored() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(DisclosureAudit)) or 0)


def test_an_audit_worked_out_in_one_process_is_read_by_the_next(app, org, monkeypatch):
    known = build(org)
    a_new_process(monkeypatch)
    made = counted(monkeypatch)
    first = cells(PERIOD)
    assert made == [PERIOD] and stored() == 1
    # B1 (3 members) is hidden as a small group: the audit is a real one.
    assert first[(services.disclosure.PERIOD, analysis.unit_key(org.unit_b1.id))] == (
        analysis.SMALL_GROUP
    )

    a_new_process(monkeypatch)
    assert cells(PERIOD) == first
    assert made == [PERIOD], "the second process read the stored audit"

    # A new member is another key: worked out again, never the stored audit.
    for i in (1, 2):
        member(known.b_network, make_person(org.unit_b1, name=f"B1 newcomer {i}"), "2025-12-01")
    db.session.flush()
    a_new_process(monkeypatch)
    again = cells(PERIOD)
    assert made == [PERIOD, PERIOD] and stored() == 2
    b1 = (services.disclosure.PERIOD, analysis.unit_key(org.unit_b1.id))
    assert again.get(b1) != analysis.SMALL_GROUP  # B1's members: 3 + 2 newcomers

    # The same inputs stored twice (two processes at once) keep one row, no error.
    stored_audits.write(("a", 1), PERIOD.start, PERIOD.end, again)
    stored_audits.write(("a", 1), PERIOD.start, PERIOD.end, again)
    assert stored() == 3
    assert stored_audits.read(("a", 1)) == again


def test_the_job_works_out_the_periods_people_look_at_before_anyone_asks(app, org, monkeypatch):
    known = build(org)
    today = clock.today()
    looked_at = jobs.periods(today)
    assert services.period(None, None, today) in looked_at
    assert services.Period(dt.date(today.year, 1, 1), today) in looked_at

    a_new_process(monkeypatch)
    assert jobs.warm_audits() == len(looked_at)
    assert jobs.warm_audits() == 0, "nothing changed: nothing worked out again"
    db.session.commit()

    a_new_process(monkeypatch)
    made = counted(monkeypatch)
    for p in looked_at:
        assert cells(p)
    assert made == [], "the pages read what the job stored"

    db.session.execute(
        sa.update(NetworkMember)
        .where(NetworkMember.network_id == known.b_network.id)
        .values(left_at=dt.datetime.combine(today, dt.time(9), dt.UTC))
    )
    assert jobs.warm_audits() == len(looked_at), "a leave is a change: worked out again"


def test_unused_audits_are_deleted(app, org, monkeypatch):
    build(org)
    a_new_process(monkeypatch)
    cells(PERIOD)
    old = clock.now() - stored_audits.KEEP_FOR - dt.timedelta(hours=1)
    db.session.execute(sa.update(DisclosureAudit).values(made_at=old))
    stored_audits.write(("fresh",), PERIOD.start, PERIOD.end, {})
    assert stored_audits.prune() == 1
    assert stored() == 1 and stored_audits.read(("fresh",)) == {}


def test_another_rule_is_another_key(monkeypatch):
    key = (PERIOD.start, PERIOD.end, "tree", "members", 3)
    before = stored_audits.key_text(key)
    monkeypatch.setattr(stored_audits, "RULE", "another version of the rule")
    assert stored_audits.key_text(key) != before


def test_a_join_works_out_the_period_and_its_month_again_not_the_months_before(
    app, org, monkeypatch
):
    """Each month's audit is kept on the memberships' days within it: a join in June
    leaves January to May as they were."""
    known = build(org)
    a_new_process(monkeypatch)
    monkeypatch.setattr(services, "_MONTH_AUDITS", Kept(64))
    audited: list[int] = []
    original = services.disclosure.audit

    def audit(g, *args, **kwargs):  # type: ignore[no-untyped-def]
        audited.append(g.n)
        return original(g, *args, **kwargs)

    monkeypatch.setattr(services.disclosure, "audit", audit)
    cells(PERIOD)
    assert len(audited) == 1 + 6  # the period and each of its months

    member(known.network, make_person(org.unit_a2, name="A2 newcomer"), "2026-06-20")
    db.session.flush()
    audited.clear()
    a_new_process(monkeypatch)
    after = cells(PERIOD)
    assert sorted(audited) == [30, 181], "June (30 days) and the period (181), no other month"

    monkeypatch.setattr(services, "_MONTH_AUDITS", Kept(64))
    a_new_process(monkeypatch)
    db.session.execute(sa.delete(DisclosureAudit))
    assert cells(PERIOD) == after, "the kept months give what working them all out gives"


def test_a_periods_audit_is_kept_per_process_and_a_changed_membership_is_audited_anew(
    app, monkeypatch
):
    """``services.Suppression`` keeps the audit of the same inputs (memberships, tree,
    period, today) for the next request, and works it out again when one changes."""
    a_new_process(monkeypatch)
    p = services.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    ramp = steady(2, 2) + [(100 + i, 2, 10, "2026-03-01 10:00", None) for i in range(6)]
    ms = memberships(ramp + steady(3, 7, start=50))
    ms["leader"] = False
    first = services.Suppression(p, TINY_PATHS, ms)
    assert first.unit(2) == analysis.SUBTRACTION
    again = services.Suppression(p, TINY_PATHS, ms.copy())
    assert again.cells is first.cells  # the kept audit, not a new one
    # Unit 2 had 8 members from the start: nothing to hide any more.
    steady_ms = memberships(steady(2, 8) + steady(3, 7, start=50))
    steady_ms["leader"] = False
    changed = services.Suppression(p, TINY_PATHS, steady_ms)
    assert changed.cells is not first.cells
    assert changed.unit(2) is None and changed.unit(3) is None
    assert first.unit(2) == analysis.SUBTRACTION  # the kept one is unchanged
