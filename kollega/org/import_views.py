"""The HR upload page: upload a units, people or jobs file, see a preview and every bad row,
then confirm. Nothing is stored before the confirmation, and the file is checked again
then (the database may have changed in between).

The uploaded file waits in the instance folder under a random name that only the
uploader's session knows; it is deleted after the import, on cancel, on a new upload,
and when older than a day.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions
from kollega.csvio import CsvFileError
from kollega.current import current_person
from kollega.extensions import db
from kollega.org.blueprint import bp
from kollega.org.import_forms import ImportConfirmForm, ImportUploadForm
from kollega.org.imports import KINDS, ImportPlan, check, run_import
from kollega.org.services import job_name
from kollega.web import register_nav

register_nav(_l("Import"), "org.import_upload", permissions.can_import, order=85)

SESSION_KEY = "org_import"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
STALE_SECONDS = 24 * 3600
ALLOWED_SUFFIXES = (".csv", ".txt")


bp.add_app_template_global(job_name, "job_name")
bp.add_app_template_filter(job_name, "job_name")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path_for(token: str) -> Path | None:
    if not token or not token.isalnum() or len(token) > 64:
        return None
    return _folder() / f"{token}.csv"


def _discard(token: str | None) -> None:
    path = _path_for(token or "")
    if path is not None:
        path.unlink(missing_ok=True)


def _discard_pending() -> None:
    pending = session.pop(SESSION_KEY, None)
    if isinstance(pending, dict):
        _discard(pending.get("token"))


def _sweep_stale() -> None:
    limit = time.time() - STALE_SECONDS
    for old in _folder().glob("*.csv"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < limit:
                old.unlink()


def _importer() -> Any:
    """The signed-in person, who must be allowed to import."""
    actor = current_person()
    permissions.require(permissions.can_import(actor))
    return actor


def _save_upload(storage: Any, path: Path, max_bytes: int) -> bool:
    """Copy the upload to ``path``; False (and nothing kept) when it is too large."""
    size = 0
    with path.open("wb") as out:
        while chunk := storage.stream.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                break
            out.write(chunk)
    if size > max_bytes:
        path.unlink(missing_ok=True)
        return False
    return True


def _render_upload(form: ImportUploadForm, status: int = 200) -> Any:
    return render_template(
        "org/import.html",
        form=form,
        max_mb=current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES) / (1024 * 1024),
    ), status


def _render_preview(plan: ImportPlan[Any], file_name: str, status: int) -> Any:
    return render_template(
        "org/import_preview.html",
        plan=plan,
        report=plan.report,
        file_name=file_name,
        confirm_form=ImportConfirmForm(),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload() -> Any:
    actor = _importer()
    form = ImportUploadForm()
    if request.method == "GET":
        return _render_upload(form)
    if not form.validate_on_submit():
        return _render_upload(form, 400 if "csrf_token" in form.errors else 422)
    storage = form.file.data
    file_name = Path(storage.filename or "").name[:200]
    if not file_name.lower().endswith(ALLOWED_SUFFIXES):
        form.file.errors.append(
            _(
                "%(name)s is not a CSV file. Save the sheet as CSV (UTF-8) and try again.",
                name=file_name or "?",
            )
        )
        return _render_upload(form, 415)
    _discard_pending()
    _sweep_stale()
    token = secrets.token_hex(16)
    path = _path_for(token)
    assert path is not None
    max_bytes = int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))
    if not _save_upload(storage, path, max_bytes):
        form.file.errors.append(
            _(
                "The file is larger than %(mb).0f MB. Split it into smaller files.",
                mb=max_bytes / (1024 * 1024),
            )
        )
        return _render_upload(form, 413)
    kind = form.kind.data
    try:
        plan = check(
            kind,
            path,
            actor,
            preview_rows=int(current_app.config.get("IMPORT_PREVIEW_ROWS", 20)),
        )
    except CsvFileError as exc:
        path.unlink(missing_ok=True)
        form.file.errors.append(str(exc.message))
        return _render_upload(form, 422)
    if not plan.ok:
        path.unlink(missing_ok=True)
        return _render_preview(plan, file_name, 422)
    session[SESSION_KEY] = {"token": token, "kind": kind, "name": file_name}
    return _render_preview(plan, file_name, 200)


@bp.route("/import/confirm", methods=["POST"])
@login_required
def import_confirm() -> Any:
    actor = _importer()
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("org.import_upload"))
    pending = session.get(SESSION_KEY)
    path = _path_for(pending.get("token", "")) if isinstance(pending, dict) else None
    if pending is None or path is None or not path.exists() or pending.get("kind") not in KINDS:
        session.pop(SESSION_KEY, None)
        flash(_("There is no file waiting to be imported. Upload it again."), "error")
        return redirect(url_for("org.import_upload")), 303
    kind, file_name = pending["kind"], pending.get("name", "")
    try:
        try:
            report = run_import(kind, path, actor, file_name=file_name)
        except CsvFileError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for("org.import_upload")), 303
        if not report.ok:
            # Something changed since the preview; show what is wrong now.
            db.session.rollback()
            plan = check(kind, path, actor)
            return _render_preview(plan, file_name, 409)
    finally:
        path.unlink(missing_ok=True)
        session.pop(SESSION_KEY, None)
    flash(
        _(
            "Imported %(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            file=file_name,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("org.import_upload")), 303


@bp.route("/import/cancel", methods=["POST"])
@login_required
def import_cancel() -> Any:
    _importer()
    form = ImportConfirmForm()
    if form.validate_on_submit():
        _discard_pending()
        flash(_("The import was cancelled; nothing was stored."), "info")
    return redirect(url_for("org.import_upload")), 303
