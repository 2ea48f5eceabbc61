"""A metrics chart as a picture to hand on (#21 point 6): the downloaded PNG has a white
background, the chart's title and a line with the figures' unit, the unit and the period;
the chart's months and percentages read in the page's language (bokmål: "jan. 2026",
"38 %"), not as ISO months."""

from __future__ import annotations

import base64
import io

import pytest

from tests.browser.conftest import set_language, sign_in_as
from tests.metrics import data

pytestmark = pytest.mark.browser

PERIOD = f"from={data.START}&to={data.END}"


def _chart_state(page, name):  # type: ignore[no-untyped-def]
    return page.evaluate(
        """name => {
          const c = document.getElementById(name + '-chart');
          const chart = window.Chart.getChart(c);
          return {labels: chart.data.labels, title: c.dataset.title, subtitle: c.dataset.subtitle};
        }""",
        name,
    )


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_chart_png_has_title_unit_and_period(page, org, lang):  # type: ignore[no-untyped-def]
    from PIL import Image

    data.build(org)
    sign_in_as(page, org.hr)
    set_language(page, lang)
    page.goto(f"/metrics/units/K?{PERIOD}")
    page.wait_for_function("() => typeof window.Chart !== 'undefined'")
    months = _chart_state(page, "months")
    first = months["labels"][0]
    assert not first[:4].isdigit() or "-" not in first, months["labels"]
    assert first in (("jan. 2026",) if lang == "nb" else ("Jan 2026",)), first
    people = "Personer" if lang == "nb" else "People"
    assert months["subtitle"].startswith(f"{people} · ")
    assert months["title"] == ("Måned for måned" if lang == "nb" else "Month by month")
    assert "2026" in months["subtitle"].split(" · ")[-1]

    with page.expect_download() as download:
        page.locator("[data-download-chart=months-chart]").click()
    png = download.value.path().read_bytes()
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    canvas = page.evaluate("() => document.getElementById('months-chart').toDataURL('image/png')")
    chart = Image.open(io.BytesIO(base64.b64decode(canvas.split(",", 1)[1])))
    # The picture is the chart with a band above it for the title and subtitle, on white.
    assert picture.width == chart.width and picture.height > chart.height
    assert picture.getpixel((1, 1)) == (255, 255, 255)
    band = picture.crop((0, 0, picture.width, picture.height - chart.height))
    assert band.getextrema() != ((255, 255), (255, 255), (255, 255)), "no title drawn"
