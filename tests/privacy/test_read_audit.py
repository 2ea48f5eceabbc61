"""Leaders' and HR's reads of a person's competence data and development conversations
leave one audit entry each (who, whose, what, when; no contents); own reads leave none."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from tests.conftest import login


def _reads() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("read.%")).order_by(AuditEvent.id)
        )
    )


def test_leader_reading_an_employees_competence_page_leaves_one_entry(client, org):
    login(client, org.leader)
    assert client.get(f"/people/{org.employee.id}").status_code == 200
    [event] = _reads()
    assert event.action == "read.competence"
    assert (event.actor_id, event.target_type, event.target_id) == (
        org.leader.id,
        "person",
        org.employee.id,
    )
    assert event.details == {"via": "page"}  # no contents
    assert event.at is not None


def test_reading_ones_own_data_leaves_none(client, org):
    login(client, org.employee)
    for url in (
        f"/people/{org.employee.id}",
        "/competence/",
        f"/competence/people/{org.employee.id}/conversations",
        f"/api/v1/people/{org.employee.id}/competences",
        f"/gaps/people/{org.employee.id}",
    ):
        assert client.get(url).status_code == 200, url
    assert _reads() == []


def test_conversations_api_and_gaps_reads_are_logged(client, org):
    login(client, org.leader)  # development conversations: the person and their leaders
    assert client.get(f"/competence/people/{org.employee.id}/conversations").status_code == 200
    client.post("/logout")
    login(client, org.hr)
    assert client.get(f"/api/v1/people/{org.employee.id}/competences").status_code == 200
    assert client.get(f"/gaps/people/{org.employee.id}").status_code == 200
    assert client.get(f"/api/v1/people/{org.employee.id}/gaps").status_code == 200
    got = [(e.action, e.details["via"], e.actor_id, e.target_id) for e in _reads()]
    hr, eva = org.hr.id, org.employee.id
    assert got == [
        ("read.conversations", "page", org.leader.id, eva),
        ("read.competence", "api", hr, eva),
        ("read.gaps", "page", hr, eva),
        ("read.gaps", "api", hr, eva),
    ]


def test_a_refused_read_logs_nothing(client, org):
    login(client, org.other_leader)  # leads B1, not Eva's unit
    assert client.get(f"/competence/people/{org.employee.id}/conversations").status_code == 403
    assert client.get(f"/api/v1/people/{org.employee.id}/competences").status_code == 403
    assert _reads() == []


def test_exports_are_audited(client, org):
    login(client, org.leader)
    response = client.get("/gaps/units/A1/export.csv?table=competences&by=people")
    assert response.status_code == 200
    db.session.expire_all()
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "gaps.export"))
    assert event.actor_id == org.leader.id and event.target_type == "org_unit"
    assert event.details == {"table": "competences", "by": "people", "format": "csv"}


def test_admin_filters_the_log_by_person(client, org):
    login(client, org.leader)
    client.get(f"/people/{org.employee.id}")
    client.post("/logout")
    login(client, org.admin)
    html = client.get("/admin/audit", query_string={"person": "eva ansatt"}).get_data(as_text=True)
    body = html.split("<tbody>")[1]
    assert "read.competence" in body and "Lise Leder" in body
    html = client.get(
        "/admin/audit", query_string={"person": "nobody-at-all", "action": "read.competence"}
    ).get_data(as_text=True)
    assert "<tbody>" not in html
