"""Erasure requests: a person asks on the privacy page, an admin confirms and carries it
out; retention settings on the same admin page."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from kollega.networks.models import Message
from kollega.org.models import Person
from kollega.privacy.models import ErasureRequest, RetentionSettings
from tests.conftest import login as sign_in
from tests.security.world import build_world


def login(client, person):  # type: ignore[no-untyped-def]
    """Sign in and read the pages in English (the default is bokmål)."""
    sign_in(client, person)
    with client.session_transaction() as session:
        session["lang"] = "en"


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _request_id(person_id: int) -> int:
    db.session.expire_all()
    req = db.session.scalar(sa.select(ErasureRequest).where(ErasureRequest.person_id == person_id))
    assert req is not None
    return req.id


def test_person_asks_admin_confirms_and_erases(client, org):
    world = build_world(org)
    eva_id, eva_msg = org.employee.id, world.own["message_id"]
    login(client, org.employee)
    page = client.get("/privacy/")
    assert "Ask to have my data erased" in page.get_data(as_text=True)
    response = client.post("/privacy/erasure")
    assert response.status_code == 302
    assert client.post("/privacy/erasure").status_code == 302  # twice: still one request
    assert "privacy.erasure_requested" in _actions()
    assert "Withdraw my erasure request" in client.get("/privacy/").get_data(as_text=True)
    request_id = _request_id(eva_id)

    client.post("/logout")
    login(client, org.admin)
    listing = client.get("/admin/privacy").get_data(as_text=True)
    assert "Eva Ansatt" in listing and f"/admin/privacy/erasure/{request_id}" in listing
    confirm = client.get(f"/admin/privacy/erasure/{request_id}")
    assert confirm.status_code == 200
    assert "messages" in confirm.get_data(as_text=True)  # the row counts per table
    # Without the confirmation box nothing happens.
    refused = client.post(f"/admin/privacy/erasure/{request_id}", data={})
    assert refused.status_code == 422
    assert "Tick the box to confirm the erasure." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, eva_id) is not None
    done = client.post(f"/admin/privacy/erasure/{request_id}", data={"confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, eva_id) is None
    assert db.session.get(ErasureRequest, request_id) is None
    kept = db.session.get(Message, eva_msg)  # Ola replied to it: it stays, emptied
    assert kept is not None and kept.body == "" and kept.author.name == "Deleted user"
    erase = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    assert erase.actor_id == org.admin.id and erase.target_id == eva_id
    assert client.get(f"/admin/privacy/erasure/{request_id}").status_code == 404


def test_withdraw_and_decline(client, org):
    login(client, org.employee)
    client.post("/privacy/erasure")
    client.post("/privacy/erasure/withdraw")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest)) == 0
    client.post("/privacy/erasure")
    request_id = _request_id(org.employee.id)
    client.post("/logout")
    login(client, org.admin)
    assert client.post(f"/admin/privacy/erasure/{request_id}/decline").status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, org.employee.id) is not None
    assert db.session.get(ErasureRequest, request_id) is None
    assert {"privacy.erasure_withdrawn", "privacy.erasure_declined"} <= set(_actions())


def test_only_admins_see_and_carry_out_requests(client, org):
    login(client, org.employee)
    client.post("/privacy/erasure")
    request_id = _request_id(org.employee.id)
    for who in (org.employee, org.leader, org.hr):
        client.post("/logout")
        login(client, who)
        assert client.get("/admin/privacy").status_code == 403
        assert client.get(f"/admin/privacy/erasure/{request_id}").status_code == 403
        assert (
            client.post(f"/admin/privacy/erasure/{request_id}", data={"confirm": "y"}).status_code
            == 403
        )
        assert client.post(f"/admin/privacy/erasure/{request_id}/decline").status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, org.employee.id) is not None
    assert db.session.get(ErasureRequest, request_id) is not None


def test_an_admin_cannot_erase_themselves(client, org):
    login(client, org.admin)
    client.post("/privacy/erasure")
    request_id = _request_id(org.admin.id)
    response = client.post(f"/admin/privacy/erasure/{request_id}", data={"confirm": "y"})
    assert response.status_code == 422
    assert "Another administrator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, org.admin.id) is not None


def test_admin_sets_retention(client, org):
    login(client, org.admin)
    data = {
        "message_months": "24",
        "message_scope": "archived",
        "deactivate_months": "12",
        "erase_months": "6",
    }
    assert client.post("/admin/privacy", data=data).status_code == 302
    db.session.expire_all()
    row = db.session.get(RetentionSettings, 1)
    assert (row.message_months, row.deactivate_months, row.erase_months) == (24, 12, 6)
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.retention_changed")
    )
    assert event.details["after"]["message_months"] == 24
    # The privacy page tells everyone.
    page = client.get("/privacy/").get_data(as_text=True)
    assert "deleted 24 months after" in page and "12 months" in page
    # Bad input: a clear error, nothing changed.
    bad = client.post("/admin/privacy", data={**data, "message_months": "0"})
    assert bad.status_code == 422
    assert "Between 1 and 240 months" in bad.get_data(as_text=True)
    bad = client.post("/admin/privacy", data={**data, "message_scope": "nowhere"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(RetentionSettings, 1).message_months == 24
    # Emptying a field keeps that data again.
    client.post("/admin/privacy", data={**data, "message_months": ""})
    db.session.expire_all()
    assert db.session.get(RetentionSettings, 1).message_months is None


def test_norwegian_pages(client, org):
    login(client, org.employee)
    client.post("/privacy/erasure")
    client.post("/logout")
    login(client, org.admin)
    request_id = _request_id(org.employee.id)
    page = client.get("/admin/privacy?lang=nb")
    assert "Slettebegjæringer" in page.get_data(as_text=True)
    confirm = client.get(f"/admin/privacy/erasure/{request_id}?lang=nb").get_data(as_text=True)
    assert "slettingen ikke kan angres" in confirm
