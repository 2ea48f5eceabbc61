"""The admin pages: who may use them, what they change, and that changes bite at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.audit.services import record
from kollega.extensions import db
from kollega.org.models import Person
from tests import factories
from tests.conftest import login

ADMIN_PAGES = ["/admin/users", "/admin/users/{id}", "/admin/audit"]


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def fresh(person: Person) -> Person:
    db.session.expire_all()
    found = db.session.get(Person, person.id)
    assert found is not None
    return found


def save(client, person, roles, leads="", active=True):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"roles": list(roles), "leads": leads}
    if active:
        data["active"] = "y"
    return client.post(f"/admin/users/{person.id}", data=data)


@pytest.mark.parametrize("who", ["employee", "leader", "hr", "guest"])
def test_other_roles_get_403(client, org, who):
    login(client, getattr(org, who))
    for page in ADMIN_PAGES:
        assert client.get(page.format(id=org.employee.id)).status_code == 403, page
    assert save(client, org.employee, ["admin"]).status_code == 403
    response = client.post(
        f"/admin/users/{org.employee.id}/password",
        data={"reset-password": "x" * 20, "reset-repeat": "x" * 20},
    )
    assert response.status_code == 403
    assert fresh(org.employee).stored_roles == {"employee"}


def test_anonymous_is_sent_to_sign_in(client, org):
    for page in ADMIN_PAGES:
        response = client.get(page.format(id=org.employee.id))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert save(client, org.employee, ["admin"]).status_code == 302
    assert fresh(org.employee).stored_roles == {"employee"}


def test_admin_sees_the_pages(client, org):
    login(client, org.admin)
    for page in ADMIN_PAGES:
        response = client.get(page.format(id=org.employee.id))
        assert response.status_code == 200, page
    assert "/admin/users" in client.get("/").get_data(as_text=True)  # in the menu


def test_menu_entry_only_for_admins(client, org):
    login(client, org.hr)
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)


def test_search_by_name_email_and_employee_number(client, org):
    login(client, org.admin)
    for query in ("eva ansatt", "EVA@TEST", org.employee.employee_no):
        html = client.get("/admin/users", query_string={"q": query}).get_data(as_text=True)
        assert f'/admin/users/{org.employee.id}"' in html, query
        assert f'/admin/users/{org.other_employee.id}"' not in html, query
    html = client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert f'/admin/users/{org.employee.id}"' not in html  # LIKE wildcards are literal


def test_paging(client, org):
    for n in range(55):
        factories.make_person(org.unit_b1, name=f"Zz Paged {n:02d}")
    db.session.commit()
    login(client, org.admin)
    first = client.get("/admin/users", query_string={"q": "zz paged"}).get_data(as_text=True)
    assert "Zz Paged 00" in first and "Zz Paged 54" not in first
    second = client.get("/admin/users", query_string={"q": "zz paged", "page": 2})
    html = second.get_data(as_text=True)
    assert "Zz Paged 54" in html and "Zz Paged 00" not in html
    assert client.get("/admin/users", query_string={"page": "x"}).status_code == 200


def test_unknown_person_is_404(client, org):
    login(client, org.admin)
    assert client.get("/admin/users/999999").status_code == 404


def test_role_change_takes_effect_at_once(app, client, org):
    victim = app.test_client()
    login(victim, org.hr)
    assert victim.get("/").status_code == 200
    login(client, org.admin)
    response = save(client, org.hr, ["employee"])
    assert response.status_code == 302
    assert fresh(org.hr).stored_roles == {"employee"}
    # the old session is signed out
    response = victim.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    (event,) = events("admin.roles_changed")
    assert event.actor_id == org.admin.id and event.target_id == org.hr.id
    assert event.details == {"before": ["employee", "hr"], "after": ["employee"]}


def test_promote_to_admin(app, client, org):
    login(client, org.admin)
    assert save(client, org.employee, ["employee", "admin"]).status_code == 302
    promoted = app.test_client()
    login(promoted, org.employee)
    assert promoted.get("/admin/users").status_code == 200


def test_set_and_remove_leadership(client, org):
    login(client, org.admin)
    assert save(client, org.employee, ["employee"], leads="A2, B1").status_code == 302
    assert [u.code for u in fresh(org.employee).led_units] == ["A2", "B1"]
    (event,) = events("admin.leader_changed")
    assert event.details == {"added": ["A2", "B1"], "removed": []}
    assert save(client, org.employee, ["employee"], leads="B1").status_code == 302
    assert [u.code for u in fresh(org.employee).led_units] == ["B1"]
    assert "leader" in fresh(org.employee).roles


def test_unknown_unit_code_is_422_and_changes_nothing(client, org):
    login(client, org.admin)
    response = save(client, org.employee, ["employee", "hr"], leads="A2, NOPE")
    assert response.status_code == 422
    assert "NOPE" in response.get_data(as_text=True)
    person = fresh(org.employee)
    assert person.stored_roles == {"employee"} and person.led_units == []
    assert events("admin.roles_changed") == []


def test_unknown_role_and_no_role_are_422(client, org):
    login(client, org.admin)
    assert save(client, org.employee, ["superuser"]).status_code == 422
    assert save(client, org.employee, []).status_code == 422
    assert fresh(org.employee).stored_roles == {"employee"}


def test_deactivation_signs_out_and_blocks_sign_in(app, client, org):
    victim = app.test_client()
    login(victim, org.employee)
    login(client, org.admin)
    assert save(client, org.employee, ["employee"], active=False).status_code == 302
    assert fresh(org.employee).active is False
    assert victim.get("/").status_code == 302
    response = victim.post(
        "/login", data={"email": org.employee.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    assert len(events("admin.deactivated")) == 1
    assert save(client, org.employee, ["employee"], active=True).status_code == 302
    assert len(events("admin.activated")) == 1
    login(victim, org.employee)


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, org):
    login(client, org.admin)
    response = save(client, org.admin, ["employee"])
    assert response.status_code == 422
    assert "administrator" in response.get_data(as_text=True).lower() or "admin" in (
        response.get_data(as_text=True).lower()
    )
    assert save(client, org.admin, ["employee", "admin"], active=False).status_code == 422
    admin = fresh(org.admin)
    assert admin.is_admin and admin.active
    assert client.get("/admin/users").status_code == 200  # still signed in


def test_saving_without_changes_keeps_sessions(app, client, org):
    victim = app.test_client()
    login(victim, org.employee)
    login(client, org.admin)
    assert save(client, org.employee, ["employee"]).status_code == 302
    assert victim.get("/").status_code == 200


def test_password_reset(app, client, org):
    victim = app.test_client()
    login(victim, org.employee)
    login(client, org.admin)
    url = f"/admin/users/{org.employee.id}/password"
    short = client.post(url, data={"reset-password": "short", "reset-repeat": "short"})
    assert short.status_code == 422
    assert victim.get("/").status_code == 200  # nothing changed
    new = "an admin chose this one"
    differ = client.post(url, data={"reset-password": new, "reset-repeat": new + "x"})
    assert differ.status_code == 422
    response = client.post(url, data={"reset-password": new, "reset-repeat": new})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    login(victim, org.employee, new)
    (event,) = events("admin.password_reset")
    assert new not in str(event.details)


def test_admin_resets_own_password_only_on_change_password_page(client, org):
    login(client, org.admin)
    new = "an admin chose this one"
    response = client.post(
        f"/admin/users/{org.admin.id}/password",
        data={"reset-password": new, "reset-repeat": new},
    )
    assert response.status_code == 422
    assert client.get("/admin/users").status_code == 200


def test_audit_log_newest_first_filtered_and_paged(client, org):
    for n in range(52):
        record("test.thing", actor_id=org.hr.id, n=n)
        db.session.flush()
    record("test.other", actor_id=org.hr.id)
    db.session.commit()
    login(client, org.admin)
    html = client.get("/admin/audit", query_string={"action": "test.thing"}).get_data(as_text=True)
    assert "test.other" not in html.split("<tbody>")[1]
    assert "n: 51" in html and "n: 0<" not in html
    assert html.index("n: 51") < html.index("n: 50")
    page2 = client.get("/admin/audit", query_string={"action": "test.thing", "page": 2})
    assert "n: 0<" in page2.get_data(as_text=True)
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "test.other" in everything
    # an unknown filter shows everything rather than failing
    assert client.get("/admin/audit", query_string={"action": "x" * 500}).status_code == 200


def test_audit_log_is_read_only(client, org):
    login(client, org.admin)
    assert client.post("/admin/audit").status_code == 405
