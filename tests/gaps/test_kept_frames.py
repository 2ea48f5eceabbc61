"""The gap page's frames (its closure's, shared with its views at the end date) are kept
per process, keyed on all they are read from (``gaps.kept``): the same inputs give the
kept frames without reading the assessments, and a new, deleted or changed input (an
assessment, a person moved, a requirement, a credential's expiry, another period) gives
the figures of a fresh read."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa
from flask import g

from kollega.competence.models import Assessment, FormalCredential, Requirement
from kollega.extensions import db
from kollega.gaps import assessment_reads, kept, kept_reads, queries, services
from tests.gaps import data
from tests.gaps.test_lapsing_reads import _history

D = dt.date
START, END = D(2023, 7, 1), D(2024, 6, 30)


@pytest.fixture
def frames_kept(monkeypatch):
    store = kept.Kept(kept.KEPT_FRAMES)
    monkeypatch.setattr(queries, "_KEPT", store)
    monkeypatch.setattr(kept_reads, "_KEPT", kept.Kept(kept.KEPT_FRAMES))
    return store


def _figures(app, org, start=START, end=END):
    """The gap page's figures, in a request of their own."""
    g.pop("gap_frames", None)
    g.pop("shared_gap_frames", None)
    with app.test_request_context("/"):
        closure = services.unit_closure(org.hr, org.root, start, end, now=end)
        table = services.unit_gap_table(org.hr, org.root, end, now=end)
        heatmap = services.heatmap(org.hr, org.root, end, "people", now=end)
        areas = services.focus_area_table(org.hr, org.root, end, now=end)
        return closure, table.as_json(), heatmap.cells, areas


def _fresh(app, org, monkeypatch, **dates):
    with monkeypatch.context() as m:
        m.setattr(queries, "_KEPT", kept.Kept(kept.KEPT_FRAMES))
        m.setattr(kept_reads, "_KEPT", kept.Kept(kept.KEPT_FRAMES))
        return _figures(app, org, **dates)


def test_the_gap_pages_frames_are_kept_and_read_anew_when_an_input_changes(
    app, org, monkeypatch, frames_kept
):
    comps = [data.competence(f"t:{n}") for n in range(3)]
    for comp in comps:
        data.requirement(comp, 3, unit=org.root, since="2022-01-01")
        data.requirement(comp, 4, unit=org.unit_a1, since="2024-01-01")
    _history(org, comps, random.Random(5))
    first = _figures(app, org)
    assert len(frames_kept) == 1
    with monkeypatch.context() as m:

        def unread(*args, **kwargs):
            raise AssertionError("the kept frames should have been used")

        m.setattr(assessment_reads, "subtree_assessments_at_dates", unread)
        assert _figures(app, org) == first

    # A new assessment, then deleted again.
    row = data.assessment(org.employee_a1, comps[0], 4, "leader", "2024-05-02")
    db.session.commit()
    raised = _figures(app, org)
    assert raised != first and raised == _fresh(app, org, monkeypatch)
    db.session.delete(row)
    db.session.commit()
    assert _figures(app, org) == first

    # A person moved to another unit (A1's higher requirement no longer applies).
    org.employee_a1.unit_id = org.unit_b1.id
    db.session.commit()
    moved = _figures(app, org)
    assert moved != first and moved == _fresh(app, org, monkeypatch)

    # A changed requirement.
    requirement = db.session.scalars(sa.select(Requirement).order_by(Requirement.id)).first()
    requirement.level = 1
    db.session.commit()
    lowered = _figures(app, org)
    assert lowered != moved and lowered == _fresh(app, org, monkeypatch)

    # A credential's expiry: an end date before the period's end stops it counting.
    credential = db.session.scalars(
        sa.select(FormalCredential)
        .join(Assessment, Assessment.credential_id == FormalCredential.id)
        .where(
            FormalCredential.expires_on.is_(None),
            FormalCredential.issued_on < START,
            Assessment.level > 0,
        )
        .order_by(FormalCredential.id)
    ).first()
    credential.expires_on = credential.issued_on + dt.timedelta(days=1)
    db.session.commit()
    expired = _figures(app, org)
    assert expired != lowered and expired == _fresh(app, org, monkeypatch)

    # Another period is another key; the kept ones stay at most KEPT_FRAMES.
    for days in range(1, kept.KEPT_FRAMES + 2):
        end = END - dt.timedelta(days=30 * days)
        assert _figures(app, org, end=end) == _fresh(app, org, monkeypatch, end=end)
    assert len(frames_kept) == kept.KEPT_FRAMES


def test_kept_keeps_the_last_few():
    store: kept.Kept[int] = kept.Kept(2)
    for n in range(3):
        store.put((n,), n)
    assert store.get((0,)) is None and store.get((1,)) == 1 and store.get((2,)) == 2
    assert store.get_or_make((1,), lambda: 9) == 1
    assert store.get_or_make((3,), lambda: 3) == 3 and len(store) == 2
