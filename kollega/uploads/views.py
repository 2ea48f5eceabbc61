"""Serving uploaded files: ``/files/<id>/<name>`` and ``/files/<id>/thumbnail``.

Only to people who may read the thread of the message the file is attached to (or the
owner before it is sent); anyone else gets 404, the same as for a file that does not
exist. The answer is never run by the browser: ``nosniff``, a CSP that allows nothing
and sandboxes the document, images and PDF inline and everything else as a download,
and never ``text/html``. Each read of a file (not of its thumbnail) by someone other
than its owner goes into the audit log of who read what.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, send_file
from flask_login import login_required

from kollega.audit.services import record_access
from kollega.current import current_person
from kollega.errors import NotFound
from kollega.uploads import services, storage
from kollega.uploads.models import Upload

bp = Blueprint("uploads", __name__)

FILE_CSP = "default-src 'none'; sandbox"
_INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


def _serve(upload: Upload, key: str, mimetype: str, inline: bool) -> Any:
    try:
        fh = storage.storage().open(key)
    except (FileNotFoundError, ValueError):
        abort(404)
    if mimetype.startswith("text/"):
        mimetype += "; charset=utf-8"
    response = send_file(
        fh,
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=upload.name,
        etag=upload.sha256 if key == upload.storage_key else False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _reader_upload(upload_id: int) -> Upload:
    try:
        return services.upload_for_reader(current_person(), upload_id)
    except NotFound:
        abort(404)


@bp.route("/files/<int:upload_id>/<name>")
@login_required
def file(upload_id: int, name: str) -> Any:
    """The file itself (the name in the URL is only for the person's browser)."""
    upload = _reader_upload(upload_id)
    person = current_person()
    if person.id != upload.owner_id:
        record_access(
            "read.upload",
            person.id,
            "upload",
            upload.id,
            owner_id=upload.owner_id,
            message_id=upload.message_id,
        )
    return _serve(upload, upload.storage_key, upload.content_type, upload.content_type in _INLINE)


@bp.route("/files/<int:upload_id>/thumbnail")
@login_required
def thumbnail(upload_id: int) -> Any:
    """An image's thumbnail (at most 480 px a side, no metadata)."""
    upload = _reader_upload(upload_id)
    if upload.thumbnail_key is None:
        abort(404)
    kind = "image/png" if upload.thumbnail_key.endswith(".png") else "image/jpeg"
    return _serve(upload, upload.thumbnail_key, kind, True)
