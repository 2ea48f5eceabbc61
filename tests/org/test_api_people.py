"""Who may see whom through /api/v1/people, as the design's roles say."""

from __future__ import annotations

import pytest

from tests.conftest import login


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    return {p["id"] for p in response.get_json()}


def test_without_credentials_is_401(client, org):
    for path in (
        "/api/v1/me",
        "/api/v1/people",
        f"/api/v1/people/{org.employee.id}",
        "/api/v1/units",
    ):
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_employee_sees_own_unit_not_another(client, org):
    login(client, org.employee)
    assert client.get(f"/api/v1/people/{org.colleague.id}").status_code == 200
    response = client.get(f"/api/v1/people/{org.other_employee.id}")
    assert response.status_code == 403
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert ids(client.get("/api/v1/people")) == {org.employee.id, org.colleague.id}


def test_leader_sees_subtree_only(client, org):
    login(client, org.leader)
    visible = ids(client.get("/api/v1/people"))
    assert {org.employee.id, org.colleague.id, org.employee_a1.id, org.leader.id} <= visible
    assert org.other_employee.id not in visible and org.hr.id not in visible
    assert client.get(f"/api/v1/people/{org.employee.id}").status_code == 200
    assert client.get(f"/api/v1/people/{org.other_employee.id}").status_code == 403


def test_hr_sees_everyone(client, org):
    login(client, org.hr)
    everyone = {org.employee.id, org.other_employee.id, org.leader.id, org.guest.id, org.admin.id}
    assert everyone <= ids(client.get("/api/v1/people"))
    assert client.get(f"/api/v1/people/{org.other_employee.id}").status_code == 200


def test_absent_person_is_404(client, org):
    login(client, org.hr)
    assert client.get("/api/v1/people/999999").status_code == 404


def test_filter_by_unit_and_employee_no(client, org):
    login(client, org.hr)
    in_a1 = ids(client.get("/api/v1/people?unit=A1"))
    assert org.employee.id in in_a1 and org.other_employee.id not in in_a1
    one = client.get(f"/api/v1/people?employee_no={org.employee.employee_no}").get_json()
    assert [p["id"] for p in one] == [org.employee.id]
    assert one[0]["unit"] == {"id": org.dept_a1a.id, "code": "A1a", "name": "Småskolen"}


def test_me_shape(client, org):
    login(client, org.leader)
    me = client.get("/api/v1/me").get_json()
    assert me["leads"] == ["A1"] and "leader" in me["roles"]
    assert me["unit"]["code"] == "A1"
    assert "calendar_url" in me


@pytest.mark.parametrize("who", ["employee", "leader", "hr"])
def test_person_page_matches_api(client, org, who):
    login(client, getattr(org, who))
    for target in (org.employee, org.other_employee):
        api = client.get(f"/api/v1/people/{target.id}").status_code
        page = client.get(f"/people/{target.id}").status_code
        assert api == page
