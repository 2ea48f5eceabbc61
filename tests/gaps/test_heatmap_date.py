"""The unit page's heatmap for a chosen date (#21 point 4): a requirement that starts
ahead shows on the heatmap for a day after it and not for today; a bad date is a field
error beside the heatmap's date field (400) and the page still shows; the heatmap's
export link carries the heatmap's date."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

from kollega.extensions import db
from tests.conftest import login
from tests.gaps import data

TODAY = dt.date.today()
SINCE = (TODAY - dt.timedelta(days=300)).isoformat()
STARTS = TODAY + dt.timedelta(days=100)
AFTER = (STARTS + dt.timedelta(days=10)).isoformat()


def setup(org):
    pv = data.competence("pv:1", "privacy", "Personvern")
    sk = data.competence("sk:9", "digital", "Skyarkitektur")
    data.requirement(pv, 3, unit=org.unit_a1, since=SINCE)
    data.requirement(sk, 2, unit=org.unit_a1, since=STARTS.isoformat())
    data.assessment(org.employee, pv, 1, "self", SINCE)
    db.session.commit()


def heatmap_section(page: str) -> str:
    start = page.index('id="heatmap-heading"')
    return page[start : page.index("</section>", start)]


def test_a_requirement_ahead_shows_on_the_heatmap_for_a_day_after_it(client, org):
    setup(org)
    login(client, org.leader)
    today = client.get("/gaps/units/A1?by=people")
    assert today.status_code == 200
    section = heatmap_section(today.get_data(as_text=True))
    assert "Personvern" in section and "Skyarkitektur" not in section
    assert f'value="{TODAY.isoformat()}"' in section

    ahead = client.get(f"/gaps/units/A1?by=people&heatmap_date={AFTER}")
    assert ahead.status_code == 200
    page = ahead.get_data(as_text=True)
    section = heatmap_section(page)
    assert "Skyarkitektur" in section and "sk:9" in section
    assert org.employee.name in section
    assert f'id="heatmap_date" name="heatmap_date" value="{AFTER}"' in section
    # The rest of the page stays on today: the competence table does not have it.
    table = page[page.index('id="table-heading"') :]
    assert "Skyarkitektur" not in table[: table.index("</section>")]
    # The heatmap's export link carries its date, and the export has the new requirement.
    links = [
        html_lib.unescape(h)
        for h in re.findall(r'href="([^"]*export\.csv[^"]*table=heatmap[^"]*)"', section)
    ]
    assert links and all(f"date={AFTER}" in h for h in links)
    csv = client.get(links[0]).get_data().decode("utf-8-sig")
    assert "sk:9" in csv
    assert "sk:9" not in client.get(
        "/gaps/units/A1/export.csv?table=heatmap&by=people"
    ).get_data().decode("utf-8-sig")


def test_a_bad_heatmap_date_is_a_field_error(client, org):
    setup(org)
    login(client, org.leader)
    for bad, message in (
        ("2026-02-30", "er ikke en dato"),
        ("3001-01-01", "1900"),
    ):
        response = client.get(f"/gaps/units/A1?heatmap_date={bad}")
        assert response.status_code == 400
        section = heatmap_section(response.get_data(as_text=True))
        error = re.search(r'<p class="error" id="heatmap_date-error">([^<]*)</p>', section)
        assert error and message in error.group(1)
        assert f'value="{bad}"' in section and 'aria-invalid="true"' in section
        # The heatmap still shows, for the page's date.
        assert "Personvern" in section and "Skyarkitektur" not in section
