"""Every page's layout includes the annual cycle's live strings (``cycle/_live.html``):
kept per locale and script root (``web.kept_include``), the same HTML as the include."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import refresh

from kollega import web


def test_kept_include_is_the_include_in_each_locale(app):
    seen = set()
    for lang in ("nb", "en", "nb"):
        for root in ("", "/kollega"):
            with app.test_request_context(f"/?lang={lang}", base_url=f"http://x{root}"):
                refresh()
                direct = render_template_string('{% include "cycle/_live.html" %}')
                kept = web.kept_include("cycle/_live.html")
                assert str(kept) == direct
                assert f'data-locale="{lang}"' in direct
                assert f"{root}/static/cycle_live.js" in direct
                seen.add(direct)
    assert len(seen) == 4  # two locales, two roots


def test_only_listed_templates_are_kept(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        web.kept_include("networks/_live.html")


def test_the_layout_has_it_for_a_signed_in_person(client, org):
    from tests.networks.test_api import bearer

    html = client.get("/", headers=bearer(org.employee)).get_data(as_text=True)
    assert html.count('id="cycle-live-strings"') == 1 and 'id="cycle-live"' in html
