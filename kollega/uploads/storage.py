"""Where uploaded bytes are kept: a small interface (put, open, delete by key).

``LocalStorage`` (the default) keeps each file under the instance folder
(``<instance>/uploads/<key>``). Production may keep them elsewhere, such as an
S3-compatible object store: set ``UPLOAD_STORAGE`` to ``"package.module:factory"``, a
callable taking the app and returning an object with the three methods below
(docs/OPERATIONS.md, "Uploaded files"). Keys are made here, never from a client's input.

Files are written before the unit of work commits; the ones written by a unit that then
rolls back are deleted again (``written``), so a refused request stores nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from kollega.extensions import db

log = logging.getLogger(__name__)
_WRITTEN = "kollega_uploads_written"


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def open(self, key: str) -> IO[bytes]: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder; keys are two-level paths of random hex (``ab/cdef…``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("bad storage key")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def open(self, key: str) -> IO[bytes]:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _build(app: Flask) -> Storage:
    configured = app.config.get("UPLOAD_STORAGE") or "local"
    if configured == "local":
        folder = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
        return LocalStorage(Path(folder))
    module, _, name = str(configured).partition(":")
    factory: Any = getattr(importlib.import_module(module), name)
    return factory(app)


def storage() -> Storage:
    """The app's storage, built once per app."""
    app = current_app
    store = app.extensions.get("kollega.uploads.storage")
    if store is None:
        store = app.extensions["kollega.uploads.storage"] = _build(app)
    return store


def new_key(suffix: str = "") -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:]}{suffix}"


def written(key: str) -> None:
    """Note that ``key`` was written in the current unit of work: deleted again if the
    unit does not commit."""
    db.session.info.setdefault(_WRITTEN, []).append((storage(), key))


def delete_after_commit(keys: list[str]) -> None:
    """Delete ``keys`` once the current unit commits (never if it rolls back)."""
    from kollega import realtime

    store = storage()

    def remove() -> None:
        for key in keys:
            try:
                store.delete(key)
            except Exception:
                log.exception("uploads: could not delete %s", key)

    if keys:
        realtime.on_commit(remove)


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unkept(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for store, key in session.info.pop(_WRITTEN, None) or ():
        try:
            store.delete(key)
        except Exception:
            log.exception("uploads: could not delete %s after a rollback", key)
