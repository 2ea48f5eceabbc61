"""The subtree's assessments at dates kept per process and brought up to date by what was
added since (``gaps.kept_reads``): after a plain addition only the new rows are read,
and the level at every date is the fresh read's; after anything else (a credential, a
pair with a lapsing credential, a deletion) everything is read again."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from kollega.competence.models import Assessment, CredentialCompetence, FormalCredential
from kollega.extensions import db
from kollega.gaps import analysis, assessment_reads, kept, kept_reads
from kollega.gaps.queries import subtree_people_stmt
from tests.gaps import data
from tests.gaps.test_lapsing_reads import DATES, _history

D = dt.date
FULL_READ = assessment_reads.subtree_assessments_at_dates


@pytest.fixture
def store(monkeypatch):
    kept_store = kept.Kept(kept.KEPT_FRAMES)
    monkeypatch.setattr(kept_reads, "_KEPT", kept_store)
    return kept_store


@pytest.fixture
def reads(monkeypatch):
    """Counts the full reads."""
    calls = []
    read = FULL_READ

    def counted(*args, **kwargs):
        calls.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(assessment_reads, "subtree_assessments_at_dates", counted)
    return calls


def _kept(org, codes):
    people = [p for (p,) in db.session.execute(subtree_people_stmt(org.root))]
    version = kept.assessments_version(subtree_people_stmt(org.root))
    return kept_reads.assessments_at_dates(org.root, codes, DATES, people, version)


def _levels(frame):
    """The level of every pair at every date (what the gap is worked out from)."""
    out = {}
    for day in DATES:
        for r in analysis.current_levels(frame, day).itertuples():
            out[(day, int(r.person_id), r.competence)] = (int(r.level), r.source)
    return out


def _plain_pairs(org, comps):
    """(person, competence) pairs with no credential behind any of their assessments."""
    people = (org.colleague, org.employee, org.leader, org.other_employee, org.employee_a1)
    return [
        (p, c)
        for p in people
        for c in comps
        if not db.session.scalar(
            sa.select(Assessment.id).where(
                Assessment.person_id == p.id,
                Assessment.competence_id == c.id,
                Assessment.credential_id.is_not(None),
            )
        )
    ]


def _fresh(org, codes):
    return FULL_READ(org.root, codes, DATES)


def test_an_added_assessment_is_read_alone_and_gives_the_fresh_levels(app, org, store, reads):
    comps = [data.competence(f"k:{n}") for n in range(3)]
    codes = [c.code for c in comps]
    _history(org, comps, random.Random(8))
    first = _kept(org, codes)
    assert len(reads) == 1
    assert _kept(org, codes) is first and len(reads) == 1

    # A pair with no credential: an assessment dated between two dates, and one beyond
    # the last date (it must not count), then two at once.
    plain = _plain_pairs(org, comps)
    assert len(plain) >= 3
    data.assessment(*plain[0], 4, "self", "2024-03-01")
    data.assessment(*plain[0], 1, "leader", "2026-01-01")
    db.session.commit()
    second = _kept(org, codes)
    assert len(reads) == 1, "only the added rows should have been read"
    assert _levels(second) == _levels(_fresh(org, codes))
    assert _levels(second) != _levels(first)

    data.assessment(*plain[1], 2, "leader", "2023-06-30")
    data.assessment(*plain[2], 3, "self", "2022-12-31")
    db.session.commit()
    third = _kept(org, codes)
    assert len(reads) == 1
    assert _levels(third) == _levels(_fresh(org, codes))


def test_anything_but_a_plain_addition_is_read_again(app, org, store, reads):
    comps = [data.competence(f"k:{n}") for n in range(3)]
    codes = [c.code for c in comps]
    _history(org, comps, random.Random(9))
    _kept(org, codes)
    assert len(reads) == 1

    # An assessment with a credential (its expiry changes what counts on each date).
    credential = FormalCredential(
        person_id=org.employee.id,
        kind="certificate",
        title="HLR",
        issued_on=D(2023, 2, 1),
        expires_on=D(2024, 1, 1),
    )
    db.session.add(credential)
    db.session.flush()
    db.session.add(
        CredentialCompetence(credential_id=credential.id, competence_id=comps[0].id, level=3)
    )
    db.session.add(
        Assessment(
            person_id=org.employee.id,
            competence_id=comps[0].id,
            level=3,
            source="formal",
            assessed_on=D(2023, 2, 1),
            credential_id=credential.id,
        )
    )
    db.session.commit()
    after_credential = _kept(org, codes)
    assert len(reads) == 2
    assert _levels(after_credential) == _levels(_fresh(org, codes))

    # A self-assessment on that pair, whose credential lapses between the dates.
    data.assessment(org.employee, comps[0], 1, "self", "2023-03-01")
    db.session.commit()
    on_lapsing = _kept(org, codes)
    assert len(reads) == 3
    assert _levels(on_lapsing) == _levels(_fresh(org, codes))

    # A deletion.
    row = db.session.scalars(
        sa.select(Assessment).where(Assessment.credential_id.is_(None)).order_by(Assessment.id)
    ).first()
    db.session.delete(row)
    db.session.commit()
    after_delete = _kept(org, codes)
    assert len(reads) == 4
    assert _levels(after_delete) == _levels(_fresh(org, codes))
