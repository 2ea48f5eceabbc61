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


def record_read(viewer: Any, person: Any, what: str, via: str = "page") -> AuditEvent | None:
    """Log that ``viewer`` read ``person``'s individual ``what`` (``competence`` or
    ``conversations``): who, whose, what, when, never the contents. A person reading their
    own data is not logged. Used from request edges that render without committing
    (page panels, GET pages and API reads): the event is committed when the request ends
    well (``kollega.audit.views``)."""
    if viewer is None or person is None or viewer.id == person.id:
        return None
    return record_access(f"read.{what}", viewer.id, "person", person.id, via=via)


def record_access(
    action: str,
    actor_id: int | None,
    target_type: str | None = None,
    target_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """``record`` for a read or download at an edge that does not commit (a GET page, an
    export): the request commits the event once its response is ready and good."""
    from flask import g, has_request_context

    event = record(action, actor_id, target_type, target_id, **details)
    if has_request_context():
        g.kollega_audit_pending = True
    return event
