"""Use cases of uploads: storing a checked file, attaching uploads to a message, reading
one as a person who may, and cleaning up what was never sent.

A file is checked in full before anything is written: its size, its type detected from
its bytes (``kollega.uploads.detect``) against the allowed list and its name's
extension, images decoded and re-encoded without metadata (``kollega.uploads.images``).
Files written by a unit of work that does not commit are deleted again
(``kollega.uploads.storage``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.db import now_utc
from kollega.errors import Conflict, DomainError, NotFound, ValidationError
from kollega.extensions import db
from kollega.networks.models import Message, Network, Thread
from kollega.org.models import Person
from kollega.uploads import detect, storage
from kollega.uploads.images import BadImage, clean_image
from kollega.uploads.models import Upload

MAX_ATTACHMENTS = 10
MAX_PENDING = 30  # unsent uploads one person may have waiting
UNSENT_HOURS = 24


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def _refuse(message: Any, cls: type[DomainError] = ValidationError) -> DomainError:
    return cls(message, fields={"file": message})


def _allowed() -> set[str]:
    configured = current_app.config.get("UPLOAD_ALLOWED_TYPES") or ""
    types = {t.strip() for t in str(configured).split(",") if t.strip()}
    return (types or set(detect.KINDS)) & set(detect.KINDS)


def size_text(size: int) -> str:
    """A size as people read it, in the request's language: "20 MB", "1,5 MB", "340 kB"."""
    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / 1048576, 1))} MB"
    return f"{format_decimal(max(1, round(size / 1024)))} kB"


def clean_name(raw: Any) -> str:
    """The file name as shown: no folders, no control characters, at most 200 characters
    (the extension kept)."""
    name = raw if isinstance(raw, str) else ""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    stem, ext = os.path.splitext(name)
    if len(name) > 200:
        name = stem[: 200 - len(ext)] + ext
    return name


def _checked_type(data: bytes, name: str) -> tuple[str, str]:
    """The detected type and the name to keep (the type's extension added when the name
    has none), or a refusal."""
    if not data:
        raise _refuse(_l("The file is empty."))
    limit = int(current_app.config.get("UPLOAD_MAX_BYTES") or 0)
    if limit and len(data) > limit:
        raise _refuse(
            _l("The file is too large: at most %(size)s.", size=size_text(limit)),
            TooLarge,
        )
    stem, ext = os.path.splitext(name)
    ext = ext.lower()
    kind = detect.sniff(data, ext)
    if kind is None or kind not in _allowed():
        raise _refuse(
            _l(
                "This kind of file cannot be shared. Allowed: images (JPEG, PNG, GIF, WebP), "
                "PDF, Office documents and plain text."
            )
        )
    extensions = detect.KINDS[kind]
    if not ext:
        name = (stem or "file") + extensions[0]
    elif ext not in extensions:
        raise _refuse(_l("The file's name does not match what is in it (%(ext)s).", ext=ext))
    return kind, name


def create_upload(person: Person, filename: Any, data: bytes) -> Upload:
    """Store a file ``person`` uploads, not yet attached to a message. Refused, with
    nothing stored, when it is empty, too large, not an allowed type, named as another
    type, or a broken image; and when the person already has ``MAX_PENDING`` unsent
    files."""
    permissions.require(permissions.is_authenticated(person))
    name = clean_name(filename)
    kind, name = _checked_type(data, name)
    pending = db.session.scalar(
        sa.select(sa.func.count(Upload.id)).where(
            Upload.owner_id == person.id, Upload.message_id.is_(None)
        )
    )
    if pending >= MAX_PENDING:
        raise Conflict(_l("Too many files are waiting to be sent. Send or remove some first."))
    thumb: bytes | None = None
    width = height = None
    image = None
    if kind.startswith("image/"):
        max_pixels = int(current_app.config.get("UPLOAD_MAX_PIXELS") or 40_000_000)
        try:
            image = clean_image(data, max_pixels)
        except BadImage as exc:
            if exc.reason == "too_many_pixels":
                raise _refuse(_l("The image has too many pixels."), TooLarge) from None
            raise _refuse(_l("The image could not be read: it may be damaged.")) from None
        if detect.IMAGE_FORMATS.get(image.format) != kind:
            raise _refuse(_l("The image could not be read: it may be damaged."))
        data, thumb, width, height = image.data, image.thumbnail, image.width, image.height
    store = storage.storage()
    key = storage.new_key()
    upload = Upload(
        owner_id=person.id,
        name=name,
        size=len(data),
        content_type=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        width=width,
        height=height,
        created_at=now_utc(),
    )
    storage.written(key)
    store.put(key, data)
    if thumb is not None:
        suffix = ".thumb.png" if image.thumbnail_format == "PNG" else ".thumb.jpg"
        upload.thumbnail_key = storage.new_key(suffix)
        storage.written(upload.thumbnail_key)
        store.put(upload.thumbnail_key, thumb)
    db.session.add(upload)
    db.session.flush()
    return upload


def pending_uploads(person: Person, ids: Any) -> list[Upload]:
    """The uploads named by ``ids`` (a list of at most ``MAX_ATTACHMENTS`` ids) when all
    are ``person``'s own and not yet attached; refused otherwise (another's upload reads
    as unknown)."""
    if ids in (None, "", []):
        return []
    message = _l("attachments must be a list of at most %(n)s upload ids.", n=MAX_ATTACHMENTS)
    if not isinstance(ids, list) or len(ids) > MAX_ATTACHMENTS:
        raise ValidationError(message, fields={"attachments": message})
    wanted: list[int] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError(message, fields={"attachments": message})
        try:
            number = int(value)
        except ValueError:
            raise ValidationError(message, fields={"attachments": message}) from None
        if not 0 < number < 2**31:  # beyond the database's integer: no such upload
            raise ValidationError(message, fields={"attachments": message})
        if number not in wanted:
            wanted.append(number)
    found = {
        u.id: u
        for u in db.session.scalars(
            sa.select(Upload).where(
                Upload.id.in_(wanted), Upload.owner_id == person.id, Upload.message_id.is_(None)
            )
        )
    }
    if len(found) != len(wanted):
        gone = _l("A file was not found or was already sent; upload it again.")
        raise ValidationError(gone, fields={"attachments": gone})
    return [found[i] for i in wanted]


def attach(uploads: list[Upload], message_id: int) -> list[dict[str, Any]]:
    """Link ``uploads`` (from ``pending_uploads``) to the message just stored; their JSON."""
    for upload in uploads:
        upload.message_id = message_id
    if uploads:
        db.session.flush()
    return [upload_json(u) for u in uploads]


def file_url(upload_id: int, name: str) -> str:
    return f"/files/{upload_id}/{quote(name, safe='')}"


def _json(upload_id: int, name: str, size: int, kind: str, thumb: bool) -> dict[str, Any]:
    return {
        "id": upload_id,
        "name": name,
        "size": size,
        "content_type": kind,
        "url": file_url(upload_id, name),
        "thumbnail_url": f"/files/{upload_id}/thumbnail" if thumb else None,
    }


def upload_json(upload: Upload) -> dict[str, Any]:
    """The API's shape of an upload (and of each attachment of a message)."""
    return _json(
        upload.id, upload.name, upload.size, upload.content_type, upload.thumbnail_key is not None
    )


def attachments_for(message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The attachments of each of ``message_ids`` (one query; messages without any are
    absent from the answer)."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not message_ids:
        return out
    # Only the columns shown, no ORM objects: every thread page and join pays this.
    rows = db.session.execute(
        sa.select(
            Upload.message_id,
            Upload.id,
            Upload.name,
            Upload.size,
            Upload.content_type,
            Upload.thumbnail_key,
        )
        .where(Upload.message_id.in_(message_ids))
        .order_by(Upload.id)
    )
    for message_id, upload_id, name, size, kind, thumb in rows:
        out.setdefault(message_id, []).append(_json(upload_id, name, size, kind, thumb is not None))
    return out


def upload_for_reader(person: Person, upload_id: int) -> Upload:
    """The upload, if ``person`` may read it: the owner before it is sent; after, whoever
    may read the thread of its message (while the message is not deleted). Anyone else
    is told it does not exist."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or not permissions.is_authenticated(person):
        raise NotFound(_l("No such file."))
    if upload.message_id is None:
        if upload.owner_id == person.id:
            return upload
        raise NotFound(_l("No such file."))
    row = db.session.execute(
        sa.select(Network, Message.deleted_at)
        .join(Thread, Thread.network_id == Network.id)
        .join(Message, Message.thread_id == Thread.id)
        .where(Message.id == upload.message_id)
    ).one_or_none()
    if row is None or row[1] is not None or not permissions.can_read_network(person, row[0]):
        raise NotFound(_l("No such file."))
    return upload


def delete_uploads(uploads: list[Upload]) -> int:
    """Delete the rows now and their files once the unit commits; how many."""
    keys = [k for u in uploads for k in (u.storage_key, u.thumbnail_key) if k]
    for upload in uploads:
        db.session.delete(upload)
    if uploads:
        db.session.flush()
    storage.delete_after_commit(keys)
    return len(uploads)


def remove_pending(person: Person, upload_id: int) -> None:
    """The owner takes back an upload before sending it."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.owner_id != person.id:
        raise NotFound(_l("No such file."))
    if upload.message_id is not None:
        raise Conflict(_l("The file was sent with a message; delete the message instead."))
    delete_uploads([upload])


def clean_up(now: dt.datetime | None = None) -> int:
    """Delete uploads never sent within ``UNSENT_HOURS`` and those of deleted messages;
    how many."""
    cutoff = (now or now_utc()) - dt.timedelta(hours=UNSENT_HOURS)
    stale = db.session.scalars(
        sa.select(Upload)
        .outerjoin(Message, Message.id == Upload.message_id)
        .where(
            sa.or_(
                sa.and_(Upload.message_id.is_(None), Upload.created_at < cutoff),
                Message.deleted_at.is_not(None),
            )
        )
        .limit(1000)
    ).all()
    return delete_uploads(list(stale))
