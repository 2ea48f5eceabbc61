"""A measure with several fields that cannot be read (#21 point 7): every one of them is
shown beside its own field at once, not only the first, what was typed kept, nothing
stored."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.extensions import db
from kollega.plans.models import Measure
from tests.plans.test_pages import _plan_id


def test_every_unreadable_measure_field_is_marked_at_once(client, org):
    plan_id = _plan_id(client, org)
    typed = {
        "action": "measure",
        "kind": "develop",
        "title": "Mentorordning",
        "cost": "mye",
        "starts_on": "2026-02-31",
        "ends_on": "snart",
        "fte_change": "en halv",
        "effect_competence": "digcomp-2.2:1.1",
        "effect_people": "tre",
        "effect_level": "2",
    }
    refused = client.post(f"/plans/{plan_id}", data=typed)
    assert refused.status_code == 422
    page = refused.text
    for input_id in ("me-cost", "me-start", "me-end", "me-fte", "me-people"):
        assert f'id="{input_id}-error"' in page and f'href="#{input_id}"' in page, input_id
    for value in ("Mentorordning", "mye", "2026-02-31", "snart", "en halv", "tre"):
        assert f'value="{value}"' in page, value
    assert page.count("Må være et heltall.") >= 2 and "Oppgi en dato som ÅÅÅÅ-MM-DD." in page
    assert db.session.scalars(sa.select(Measure)).all() == []
    db.session.rollback()
