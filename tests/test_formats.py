"""Norwegian formats: the template filters for numbers, percentages and dates (#21)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string

NBSP = "\u00a0"


def _render(app, source: str, lang: str = "nb", **context) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(source, **context)


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("{{ v|number(1) }}", 1055.3500000000001, f"1{NBSP}055,4"),
        ("{{ v|number(1) }}", 3.200000000000003, "3,2"),
        ("{{ v|number }}", 1234567, f"1{NBSP}234{NBSP}567"),
        ("{{ v|number }}", -0.2, "0"),
        ("{{ v|number(1) }}", -0.04, "0,0"),
        ("{{ v|number }}", None, "\u2013"),
        ("{{ v|percent }}", 0.3802, f"38{NBSP}%"),
        ("{{ v|percent }}", -0.004, f"0{NBSP}%"),
        ("{{ v|percent }}", -0.012, f"-1{NBSP}%"),
        ("{{ v|percent(1) }}", 0.09, f"9,0{NBSP}%"),
        ("{{ v|percent }}", None, "\u2013"),
        ("{{ v|localdate }}", dt.date(2026, 12, 5), "5. des. 2026"),
    ],
)
def test_bokmal_filters(app, source, value, expected):
    assert _render(app, source, v=value) == expected


def test_english_filters(app):
    assert _render(app, "{{ v|number(1) }}", "en", v=1055.35) == "1,055.4"
    assert _render(app, "{{ v|percent }}", "en", v=0.38) == "38%"
    assert _render(app, "{{ v|percent(1) }}", "en", v=0.0899) == "9.0%"


def test_no_raw_float_ever(app):
    text = _render(app, "{{ a|number(1) }} {{ b|percent }}", a=0.1 + 0.2, b=1 / 3)
    assert text == f"0,3 33{NBSP}%"
