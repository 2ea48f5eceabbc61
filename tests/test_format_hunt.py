"""Issue 21 point 5 on every page a person reaches: the seeded demo municipality crawled
as HR, a leader and an employee, in bokmål and English (tests/format_hunt.py), with no raw
float, no ISO date as text, no "-0 %", no "1 personer", no dot decimal in a bokmål table
cell and no job code where the job's name belongs, in the text a person sees."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import Job
from tests import format_hunt

PASSWORD = "kollega-demo-2021"


@pytest.fixture
def demo(runner):
    result = runner("seed", "demo", "--employees", "150")
    assert result.exit_code == 0, result.output
    names = {code: name for code, name in db.session.execute(sa.select(Job.code, Job.name))}
    return format_hunt.shown_codes(names), format_hunt.start_paths()


@pytest.mark.slow
@pytest.mark.parametrize("who", ["hr", "leder", "ansatt"])
def test_no_wrong_format_on_any_page(app, demo, who):
    codes, starts = demo
    assert codes, "the demo names no job whose code differs from its name"
    for lang in ("nb", "en"):
        client = app.test_client()
        response = client.post(
            "/login", data={"email": f"{who}@demo.kollega.no", "password": PASSWORD}
        )
        assert response.status_code == 302
        result = format_hunt.crawl(client, app, lang, codes, starts)
        assert result.pages >= 30, (who, lang, result.pages)
        assert not result.findings, "\n".join(str(f) for f in result.findings[:40])
        if who == "hr":
            for endpoint in ("plans.show", "org.person", "training.detail", "networks.network"):
                assert result.endpoints[endpoint], f"the crawl never reached {endpoint}"


def test_the_hunt_finds_what_issue_21_reported():
    """The patterns find each wrong format the issue names, and not their right forms."""
    wrong = (
        "3.200000000000003 årsverk · 1055.3500000000001 · Vedtatt 2026-02-10 · -0 % · "
        "1 personer passer · for laerer"
    )
    kinds = {f.kind for f in format_hunt.find_in(wrong, "/x", "nb", ["laerer"])}
    assert kinds == {"raw float", "ISO date as text", "-0 %", "one with a plural", "job code"}
    right = "3,2 årsverk · 1\u00a0055,4 · Vedtatt 10. feb. 2026 · 0 % · 1 person · 11 personer"
    assert format_hunt.find_in(right + " · Lærer", "/x", "nb", ["laerer"]) == []
    cells = "<table><tr><td>3.2</td><td>38.5 %</td><td>3,2</td></tr></table>"
    assert format_hunt.dot_decimal_cells(cells) == ["3.2", "38.5 %"]
    versions = "<table><thead><tr><th>Versjon</th></tr></thead><tr><td>2.2</td></tr></table>"
    assert format_hunt.dot_decimal_cells(versions) == []
    figures = '<table><tr><td class="num">12345</td><td class="num">12\u00a0345</td></tr></table>'
    assert format_hunt.dot_decimal_cells(figures) == ["12345"]


def test_plan_page_names_competences_and_dates(app, demo, client):
    """The plan page's competence gap table and measures name competences (the code is
    only the key), and a step's decision date reads as a date."""
    client.post("/login", data={"email": "hr@demo.kollega.no", "password": PASSWORD})
    from kollega.plans.models import Plan

    plan = db.session.scalar(sa.select(Plan).order_by(Plan.id).limit(1))
    text = format_hunt.visible_text(client.get(f"/plans/{plan.id}?lang=nb").get_data(True))
    assert not re.search(r"\b[a-z]+-\d+\.\d+:\d+\.\d+\b", text), "a competence code shown"
    assert re.search(r"Vedtatt dato \d{1,2}\. \w+\.? \d{4}", text)
    # Gap points with a thousands separator, as everywhere else (5 546, not 5546).
    gap = re.search(
        r"Gappoeng \d{1,2}\. \w+\.? \d{4}: ([\d\u00a0]+); om tiltakene virker: ([\d\u00a0]+)\.",
        text,
    )
    assert gap, "the plan's gap points sentence"
    for figure in gap.groups():
        assert re.fullmatch(r"\d{1,3}(?:\u00a0\d{3})*", figure), figure
