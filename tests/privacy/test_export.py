"""GET /api/v1/me/export and the export pages: the caller's data, nobody else's, no secrets."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from kollega.networks.members import add_member
from kollega.networks.networks import create_network
from kollega.networks.send import send_message
from kollega.networks.threads import open_thread
from tests.conftest import login


def _world(org: Any) -> None:
    network = create_network(org.leader, "Personvern", "", visibility="request")
    add_member(org.leader, network.id, org.employee.id)
    thread, _ = open_thread(org.leader, network.id, "Samtykke", body="Lederens innlegg")
    send_message(org.employee, thread.id, "export-1", "Evas hemmelige melding")
    db.session.commit()


def test_export_holds_the_callers_data_and_no_secrets(client: Any, org: Any) -> None:
    _world(org)
    login(client, org.employee)
    response = client.get("/api/v1/me/export")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    text = json.dumps(data, ensure_ascii=False)
    assert data["profile"]["email"] == org.employee.email
    assert data["profile"]["employee_no"] == org.employee.employee_no
    assert "employee" in data["roles"]
    assert "Evas hemmelige melding" in text
    assert "Lederens innlegg" not in text  # someone else's message
    assert "competence" in data
    assert "password_hash" not in text and "session_token" not in text
    assert org.employee.password_hash not in text
    audited = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.export")
    ).all()
    assert [(e.actor_id, e.target_id) for e in audited] == [(org.employee.id, org.employee.id)]


def test_export_needs_a_signed_in_person(client: Any, org: Any) -> None:
    assert client.get("/api/v1/me/export").status_code == 401
    assert client.get("/privacy/export.json").status_code in {302, 401}


def test_pages(client: Any, org: Any) -> None:
    _world(org)
    login(client, org.employee)
    page = client.get("/privacy/")
    assert page.status_code == 200
    readable = client.get("/privacy/export")
    assert readable.status_code == 200
    assert "Evas hemmelige melding" in readable.get_data(as_text=True)
    download = client.get("/privacy/export.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data(as_text=True))["profile"]["id"] == org.employee.id
