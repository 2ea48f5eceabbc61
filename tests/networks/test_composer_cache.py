"""The thread page's kept composer (kollega.networks.composer) is the HTML its form
renders, with the reader's own CSRF token and a new client id on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kollega.networks.composer import COMPOSER_FRAGMENTS
from tests.networks.test_api import bearer


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def _composer(html: str) -> str:
    start = html.index('<form id="composer"')
    return html[start : html.index("</form>", start)]


def _value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', html
    )
    assert match, name
    return match.group(1)


def test_kept_composer_is_the_forms_html_with_this_pages_values(client, org, nets):
    tid = nets.closed_thread.id
    h = bearer(org.employee)
    COMPOSER_FRAGMENTS.clear()
    hits = COMPOSER_FRAGMENTS.hits
    pages = [client.get(f"/threads/{tid}", headers=h).get_data(as_text=True) for _ in range(3)]
    assert COMPOSER_FRAGMENTS.hits - hits == 2
    composers = [_composer(p) for p in pages]
    ids = [_value(c, "client_id") for c in composers]
    assert len(set(ids)) == 3 and all(len(i) >= 16 for i in ids)
    for page, composer in zip(pages, composers, strict=True):
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert meta and _value(composer, "csrf_token") == meta.group(1)
    # A reply to no message of this thread renders the composer through its form: the
    # same HTML but for the two values.
    through_form = _composer(
        client.get(f"/threads/{tid}?reply=99999", headers=h).get_data(as_text=True)
    )

    def blank(html: str) -> str:
        return re.sub(r'(name="(?:csrf_token|client_id)"[^>]*value=")[^"]*', r"\1", html)

    assert blank(through_form) == blank(composers[0])
    # A refused post shows its error in the composer, not the kept one.
    token = _value(composers[0], "csrf_token")
    refused = client.post(
        f"/threads/{tid}/messages",
        data={"csrf_token": token, "client_id": "c-1", "body": "  "},
        headers=h,
    )
    assert refused.status_code == 422
    composer = _composer(refused.get_data(as_text=True))
    assert "has-error" in composer and 'value="c-1"' in composer
