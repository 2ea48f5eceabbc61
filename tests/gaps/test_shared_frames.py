"""The gap page reads its closure's frames (the period's start and end) once and shares
them with its views at the end date (``queries.unit_frames(..., share=True)``): the
table, heatmap, focus areas and closure give the same figures as frames read for each
date alone, also when credentials expire and requirements change in the period."""

from __future__ import annotations

import datetime as dt
import random

from flask import g

from kollega.gaps import queries, services
from tests.gaps import data
from tests.gaps.test_lapsing_reads import _history

D = dt.date
START, END = D(2023, 7, 1), D(2024, 6, 30)


def _new_request(app):
    """A request context with its own request cache (the tests' app context, and so
    ``g``, outlives one request)."""
    g.pop("gap_frames", None)
    g.pop("shared_gap_frames", None)
    return app.test_request_context("/")


def _figures(org, at):
    table = services.unit_gap_table(org.hr, org.root, at, now=END)
    heatmap = services.heatmap(org.hr, org.root, at, "people", now=END)
    areas = services.focus_area_table(org.hr, org.root, at, now=END)
    return table.as_json(), heatmap.cells, areas


def test_the_closures_frames_serve_the_views_at_its_end_date(app, org):
    comps = [data.competence(f"t:{n}") for n in range(4)]
    for n, comp in enumerate(comps):
        # One in force all along, one from inside the period, one ending inside it.
        data.requirement(comp, 3, unit=org.root, since="2022-01-01")
        data.requirement(comp, 4, unit=org.unit_a1, since="2024-01-01")
        data.requirement(comp, 2 + n % 2, job_code="ADV", since="2021-01-01", until="2024-03-01")
    _history(org, comps, random.Random(7))
    with _new_request(app):
        alone = _figures(org, END)
        alone_closure = services.unit_closure(org.hr, org.root, START, END, now=END)
    with _new_request(app):
        closure = services.unit_closure(org.hr, org.root, START, END, now=END)
        shared = queries.unit_frames(org.root, [START, END], [START, END])
        # The views at the end date take the closure's frames: no read of their own.
        assert queries.unit_frames(org.root, [END], [END]) is shared
        assert _figures(org, END) == alone
        assert closure == alone_closure
        # Another date, or frames not shared, are read for themselves.
        assert queries.unit_frames(org.root, [D(2024, 12, 1)], [END]) is not shared
        assert len(g.gap_frames) == 2
    with _new_request(app):
        queries.unit_frames(org.root, [START, END], [START, END])
        assert queries.unit_frames(org.root, [END], [END]) is not None
        assert len(g.gap_frames) == 2  # without share, each read is its own
