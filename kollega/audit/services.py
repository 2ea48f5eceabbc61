"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from kollega.audit.models import AuditEvent
from kollega.extensions import db

# Keys that must never reach a log, whatever a caller passes.
_SECRET_KEYS = {"password", "token", "secret", "national_id", "fnr", "totp"}


def record(
    action: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one audit event to the session (flushed by the caller's commit)."""
    clean = {k: v for k, v in details.items() if k.lower() not in _SECRET_KEYS}
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        details=clean,
    )
    db.session.add(event)
    return event
