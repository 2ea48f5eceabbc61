"""The "Competence plan" menu entry: for those who plan, and for employees once a plan of
their unit (or a unit above it) is shared with them; never for others."""

from __future__ import annotations

import datetime as dt

from kollega.extensions import db
from kollega.plans import services
from tests.conftest import login

ENTRY = 'href="/plans/"'


def _menu(app, person) -> str:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, person)
    return client.get("/").get_data(as_text=True)


def test_menu_entry_follows_shared_plans(app, org):
    plan = services.create_plan(
        org.leader, org.unit_a1, "Plan A1", dt.date(2027, 1, 1), dt.date(2028, 12, 31)
    )
    db.session.commit()
    assert ENTRY in _menu(app, org.leader)
    assert ENTRY in _menu(app, org.hr)
    # Not shared yet: no entry for employees.
    assert ENTRY not in _menu(app, org.employee)
    services.update_plan(org.leader, plan, shared=True)
    db.session.commit()
    # Shared: the unit's employees (a department below A1 too) read it and see the entry;
    # people elsewhere and guests do not.
    for person in (org.employee, org.employee_a1):
        html = _menu(app, person)
        assert ENTRY in html
        client = app.test_client()
        login(client, person)
        assert client.get("/plans/").status_code == 200
        assert client.get(f"/plans/{plan.id}").status_code == 200
    for person in (org.other_employee, org.guest):
        assert ENTRY not in _menu(app, person)
