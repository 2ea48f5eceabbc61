"""No password, token or national identity number reaches a log or the audit log."""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.audit.services import record
from kollega.auth.services import create_token
from kollega.extensions import db
from tests import factories

NATIONAL_ID = "01017012345"


def test_sign_ins_tokens_and_exports_leave_no_secrets(client: Any, org: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong password that is long"
    client.post("/login", data={"email": org.employee.email, "password": wrong})
    client.post("/login", data={"email": org.employee.email, "password": factories.PASSWORD})
    client.get("/api/v1/me/export")
    client.post("/logout")
    token = create_token(org.employee, "script")
    db.session.commit()
    api = client.get("/api/v1/me/export", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"})
    # A caller that passes secrets to the audit log by mistake: they are dropped.
    record("test.secrets", org.employee.id, password=wrong, token=token, national_id=NATIONAL_ID)
    db.session.commit()
    audit = json.dumps(
        [
            [e.action, e.target_type, e.details]
            for e in db.session.scalars(sa.select(AuditEvent)).all()
        ],
        ensure_ascii=False,
    )
    assert "login" in audit or "sign" in audit  # sign-ins are audited at all
    for secret in (wrong, factories.PASSWORD, token, "not-a-real-token", NATIONAL_ID):
        assert secret not in caplog.text, secret
        assert secret not in audit, secret
