"""axe-core on the metrics pages with data in them; the charts are drawn."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import sign_in_as
from tests.metrics import data

pytestmark = pytest.mark.browser

PERIOD = f"from={data.START}&to={data.END}"


def sign_in(page, person) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    sign_in_as(page, person)


def test_metrics_pages_pass_axe(page, org):  # type: ignore[no-untyped-def]
    data.build(org)
    sign_in(page, org.hr)
    page.goto(f"/metrics/units/K?{PERIOD}")
    page.wait_for_function("() => typeof window.Chart !== 'undefined'")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => window.Chart.getChart(c) !== undefined)"
    )
    assert drawn
    assert_no_axe_violations(page)
    for url in (
        f"/metrics/units/A1?{PERIOD}",
        f"/metrics/units/B1?{PERIOD}",
        "/metrics/units/K/scorecard?year=2026",
    ):
        page.goto(url)
        assert_no_axe_violations(page)
    sign_in(page, org.leader)
    page.goto(f"/metrics/units/A1?{PERIOD}")
    assert_no_axe_violations(page)
