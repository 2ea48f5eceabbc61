"""The network page's "Add people" form (#21 point 7, no dead ends): a refused address
shows the network page again (422) with what was typed and the message beside its
field, and adds no one; a good one goes on to the members as before."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.models import NetworkMember
from tests.conftest import login


def _members(network_id: int) -> int:
    stmt = sa.select(sa.func.count()).where(NetworkMember.network_id == network_id)
    return db.session.scalar(stmt.select_from(NetworkMember))


def test_a_refused_invitation_shows_the_network_page_again(
    client: Any, org: Any, nets: Any
) -> None:
    login(client, org.leader)
    before = _members(nets.request.id)
    typed = {"email": "ikke-en-adresse", "name": "Gro Gjest"}
    r = client.post(f"/networks/{nets.request.id}/invite", data=typed)
    assert r.status_code == 422
    page = htmllib.unescape(r.get_data(as_text=True))
    assert "<h1>Personvern i skolen" in page and "Gå til startsiden" not in page
    email = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'value="ikke-en-adresse"' in email and 'aria-invalid="true"' in email
    assert 'value="Gro Gjest"' in page
    field_id = re.search(r'\sid="([^"]+)"', email).group(1)
    assert f'id="{field_id}-error"' in page
    # A summary above the form takes the focus on load (static/kollega.js), so the
    # page opens at the message, not at its top.
    assert 'class="error-summary"' in page and f'href="#{field_id}"' in page
    db.session.rollback()
    assert _members(nets.request.id) == before
    good = {"email": "gro@example.org", "name": "Gro Gjest"}
    added = client.post(f"/networks/{nets.request.id}/invite", data=good)
    assert added.status_code == 302 and added.headers["Location"].endswith("#members")
