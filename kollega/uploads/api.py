"""API operations of uploads: ``POST /api/v1/uploads`` (multipart ``file``) and
``DELETE /api/v1/uploads/{id}`` (take back a file not yet sent). The upload's id then
goes into ``attachments`` of ``POST /threads/{id}/messages`` or ``message:send``."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from kollega.api import route
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.uploads import services
from kollega.uploads.public import UPLOAD_SCHEMA


@route(
    "/uploads",
    ["POST"],
    summary=(
        "Upload a file (multipart/form-data, field file): 201 {id, name, size, content_type, "
        "url}; attach it with attachments: [id] when sending a message. Images, PDF, Office "
        "documents and plain text; the type is read from the bytes"
    ),
    body={
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    },
    response=UPLOAD_SCHEMA,
    status=201,
)
def uploads_create() -> Any:
    sent = request.files.get("file")
    if sent is None:
        message = _l("Choose a file to upload.")
        raise ValidationError(message, fields={"file": message})
    upload = services.create_upload(current_person(), sent.filename, sent.read())
    return jsonify(services.upload_json(upload)), 201


uploads_create.openapi["body_type"] = "multipart/form-data"  # type: ignore[attr-defined]


@route(
    "/uploads/<int:upload_id>",
    ["DELETE"],
    summary="Remove an upload of one's own that was not yet sent with a message",
    response={"type": "object"},
)
def uploads_delete(upload_id: int) -> Any:
    services.remove_pending(current_person(), upload_id)
    return jsonify({})
