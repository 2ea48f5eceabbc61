"""Definitions where the figures are (#21 point 4), beyond the unit gap and metrics pages
(tests/gaps/test_definitions.py): the plan page beside its gap points, the scorecard
beside its coverage, and the notes of every export that shows gap figures (the XLSX
sheet "Om tallene"), in bokmål and English."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from kollega.extensions import db
from tests.conftest import login
from tests.gaps import data
from tests.plans.test_pages import _plan_id

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()
WORDS = {
    "nb": {
        "title": "Hva tallene betyr",
        "gap_points": "Gappoeng: En persons gap",
        "coverage": "Dekning: Andelen krav som er oppfylt",
        "closure": "Lukket: Hvor mye av gapet",
        "new_gap": "Nytt gap: ",
        "sheet": "Om tallene",
    },
    "en": {
        "title": "What the figures mean",
        "gap_points": "Gap points: A person's gap",
        "coverage": "Coverage: The share of requirements",
        "closure": "Closure: How much of the gap",
        "new_gap": "New gap: Gap points from requirements",
        "sheet": "About the figures",
    },
}


def _definitions(html: str, element_id: str) -> str:
    found = re.search(
        rf'<details class="definitions" id="{element_id}">(.*?)</details>', html, re.S
    )
    assert found, element_id
    return found.group(1)


def _notes(response, lang: str) -> str:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    return "\n".join(str(c.value) for c in book[WORDS[lang]["sheet"]]["A"])


def _requirement(org) -> None:
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_a1, since=SINCE)
    db.session.commit()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_plan_page_defines_its_gap_points(client, org, lang):
    plan_id = _plan_id(client, org)
    html = client.get(f"/plans/{plan_id}?lang={lang}").get_data(as_text=True)
    text = _definitions(html, "plan-gap-definitions")
    assert WORDS[lang]["title"] in text
    for term in ("Gap points", "Closure", "New gap") if lang == "en" else ("Gappoeng", "Nytt gap"):
        assert f"<dt>{term}</dt>" in text, term


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_scorecard_defines_coverage(client, org, lang):
    login(client, org.hr)
    html = client.get(f"/metrics/units/A1/scorecard?lang={lang}").get_data(as_text=True)
    text = _definitions(html, "scorecard-definitions")
    assert ("<dt>Coverage</dt>" if lang == "en" else "<dt>Dekning</dt>") in text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_exports_with_gap_figures_carry_the_definitions(client, org, lang):
    _requirement(org)
    login(client, org.hr)
    words = WORDS[lang]
    gaps = _notes(client.get(f"/gaps/units/A1/export.xlsx?lang={lang}"), lang)
    assert words["gap_points"] in gaps and words["coverage"] in gaps
    closure = _notes(
        client.get(f"/metrics/units/A1/export.xlsx?table=closure_areas&lang={lang}"), lang
    )
    for term in ("gap_points", "coverage", "new_gap"):
        assert words[term] in closure, term
    assert words["closure"] in closure
    card = _notes(client.get(f"/metrics/units/A1/export.xlsx?table=scorecard&lang={lang}"), lang)
    assert words["coverage"] in card
    # A table without gap figures has no definitions in its notes.
    summary = _notes(client.get(f"/metrics/units/A1/export.xlsx?table=summary&lang={lang}"), lang)
    assert words["gap_points"] not in summary


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_exports_say_whose_figures_for_when_and_when_made(client, org, lang):
    """A file handed on says the unit, the date or period and the day it was made."""
    from babel.dates import format_date

    from kollega import clock

    _requirement(org)
    login(client, org.hr)
    today = format_date(clock.today(), "medium", locale=lang)
    unit, span, made = {
        "nb": ("Enhet: ", "Tallene gjelder: ", "Laget: "),
        "en": ("Unit: ", "Figures for: ", "Made: "),
    }[lang]
    for url, when in (
        (f"/gaps/units/A1/export.xlsx?lang={lang}", today),
        (f"/metrics/units/A1/export.xlsx?table=summary&lang={lang}", f"–{today}"),
        (
            f"/metrics/units/A1/export.xlsx?table=scorecard&year={clock.today().year}&lang={lang}",
            str(clock.today().year),
        ),
    ):
        notes = _notes(client.get(url), lang).splitlines()
        assert notes[1] == unit + org.unit_a1.name, (url, notes[:4])
        assert notes[2].startswith(span) and notes[2].endswith(when), (url, notes[:4])
        assert notes[3] == made + today, (url, notes[:4])
