"""Definitions where the figures are (#21): gap points, coverage, closure and new gap in
plain words beside the tables that show them, on the unit gap page and the unit metrics
page, in bokmål and English; and the unit page's training count in the right number."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kollega.extensions import db
from tests.conftest import login
from tests.factories import make_person
from tests.gaps import data
from tests.gaps.test_suggestions import course

SINCE = (dt.date.today() - dt.timedelta(days=300)).isoformat()


def details(html):
    found = re.findall(r'<details class="definitions"[^>]*>(.*?)</details>', html, re.S)
    assert found, "no definitions on the page"
    return " ".join(found)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nb", ["Hva tallene betyr", "Gappoeng", "Dekning", "Lukket", "Nytt gap", "teller krav"]),
        ("en", ["What the figures mean", "Gap points", "Coverage", "Closure", "New gap"]),
    ],
)
def test_pages_define_their_figures(client, org, lang, words):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_a1, since=SINCE)
    db.session.commit()
    login(client, org.hr)
    gaps = client.get(f"/gaps/units/A1?lang={lang}")
    assert gaps.status_code == 200
    metrics = client.get(f"/metrics/units/A1?lang={lang}")
    assert metrics.status_code == 200
    for page in (gaps.get_data(as_text=True), metrics.get_data(as_text=True)):
        text = details(page)
        assert "<dl>" in text and "<dt>" in text and "<dd>" in text
        for word in words:
            assert word in text, (word, lang)


def test_unit_page_counts_everyone_with_the_gap_in_the_right_number(client, org):
    pv = data.competence("pv:1", "privacy", "Personvern i praksis")
    data.requirement(pv, 2, unit=org.unit_b1, since=SINCE)
    course(org.hr, "Personvern grunnkurs", "pv:1", 1, 2, 3)
    for _i in range(25):
        make_person(org.unit_b1)
    db.session.commit()
    login(client, org.hr)
    html = client.get("/gaps/units/B1?lang=nb").get_data(as_text=True)
    # 27 people at level 0 (never assessed), all fit the course that starts at level 1.
    assert (
        "27 personer har gap i Personvern i praksis; opplæringen passer nivået til 27 av dem."
        in html
    )
    assert "1 personer" not in html
