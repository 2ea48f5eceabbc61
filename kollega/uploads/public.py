"""What other features may call: attachments of messages (serialising), and the uploads'
part in GDPR export, erasure and retention."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kollega.extensions import db
from kollega.uploads.models import Upload
from kollega.uploads.services import (
    attach,
    attachments_for,
    delete_uploads,
    pending_uploads,
    upload_json,
)

UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "size": {"type": "integer"},
        "content_type": {"type": "string"},
        "url": {"type": "string"},
        "thumbnail_url": {"type": ["string", "null"]},
    },
    "required": ["id", "name", "size", "content_type", "url"],
}


__all__ = [
    "UPLOAD_SCHEMA",
    "attach",
    "attachments_for",
    "export_uploads",
    "forget_messages",
    "forget_person",
    "has_files",
    "pending_uploads",
]


def has_files(message_id: Any) -> Any:
    """An SQL expression: whether the message ``message_id`` (a column) has files, for a
    read of many messages to ask ``attachments_for`` only about those that do."""
    return sa.exists().where(Upload.message_id == message_id)


def export_uploads(person_id: int) -> list[dict[str, Any]]:
    """The person's uploads for their data export: metadata and a download URL."""
    uploads = db.session.scalars(
        sa.select(Upload).where(Upload.owner_id == person_id).order_by(Upload.id)
    )
    return [
        {
            **upload_json(u),
            "sha256": u.sha256,
            "message_id": u.message_id,
            "created_at": u.created_at.isoformat(),
        }
        for u in uploads
    ]


def forget_person(person_id: int) -> int:
    """Erasure: delete every upload of the person (rows now, files after the commit)."""
    uploads = db.session.scalars(sa.select(Upload).where(Upload.owner_id == person_id)).all()
    return delete_uploads(list(uploads))


def forget_messages(message_ids: list[int]) -> int:
    """Retention: delete the uploads of messages about to be deleted."""
    if not message_ids:
        return 0
    uploads = db.session.scalars(sa.select(Upload).where(Upload.message_id.in_(message_ids))).all()
    return delete_uploads(list(uploads))
