"""HR's pages: the framework editor (upload, new, edit, download) and the CSV import of
requirements and assessments. The rules for what a framework may be are in
``kollega.competence.frameworks``."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions
from kollega.competence import services
from kollega.competence.blueprint import bp, loc
from kollega.competence.forms import int_field, texts
from kollega.competence.frameworks import (
    add_competence,
    create_framework,
    export_framework,
    rename_level,
    upload_framework,
)
from kollega.competence.imports import IMPORT_KINDS, run_import
from kollega.competence.models import FOCUS_AREAS, Framework
from kollega.current import current_person
from kollega.extensions import db
from kollega.formflow import attempt_placed


def _framework_or_404(code: str) -> Framework:
    fw = db.session.scalar(sa.select(Framework).where(Framework.code == code))
    if fw is None:
        abort(404)
    return fw


@bp.route("/frameworks", methods=["GET", "POST"])
@login_required
def frameworks() -> Any:
    viewer = current_person()
    permissions.require(permissions.can_manage_frameworks(viewer))
    if request.method == "POST":
        code = upload_framework(viewer, request.files.get("file"))
        flash(_("The framework %(code)s is saved.", code=code), "success")
        return redirect(url_for("competence.framework", code=code))
    return render_template(
        "competence/frameworks.html",
        frameworks=services.frameworks(active_only=False),
        locale=loc(),
    )


@bp.route("/frameworks/new", methods=["POST"])
@login_required
def framework_new() -> Any:
    viewer = current_person()
    permissions.require(permissions.can_manage_frameworks(viewer))
    f = request.form
    name = texts(f, "name")
    code = create_framework(
        viewer,
        code=f.get("code", ""),
        version=f.get("version", "1"),
        name={"nb": name["nb"], "en": name["en"] or name["nb"]},
        description=texts(f, "description"),
        focus_area=f.get("focus_area", ""),
        levels=int_field(f.get("levels"), "levels") or 0,
    )
    flash(_("The framework %(code)s is saved.", code=code), "success")
    return redirect(url_for("competence.framework", code=code))


@bp.route("/frameworks/<code>", methods=["GET", "POST"])
@login_required
def framework(code: str) -> Any:
    viewer = current_person()
    permissions.require(permissions.can_manage_frameworks(viewer))
    fw = _framework_or_404(code)
    if request.method == "POST":
        f = request.form
        if f.get("action") == "level":
            level = int_field(f.get("level"), "level")
            rename_level(viewer, fw, level, texts(f, "name"), texts(f, "descriptor"))
        else:
            add_competence(
                viewer,
                fw,
                local_code=f.get("local_code", ""),
                area=f.get("area", ""),
                covers=f.getlist("covers"),
                focus_area=f.get("focus_area", ""),
                name=texts(f, "name"),
                description=texts(f, "description"),
            )
        flash(_("The framework %(code)s is saved.", code=fw.code), "success")
        return redirect(url_for("competence.framework", code=fw.code))
    return render_template(
        "competence/framework.html",
        fw=fw,
        comps=[c for c in fw.competences if c.active],
        focus_areas=FOCUS_AREAS,
        locale=loc(),
    )


@bp.route("/frameworks/<code>.json")
@login_required
def framework_json(code: str) -> Any:
    permissions.require(permissions.can_manage_frameworks(current_person()))
    fw = _framework_or_404(code)
    body = json.dumps(export_framework(fw), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{fw.code}.json"'},
    )


def encoding_name(report: Any) -> str:
    """The character set a file was read in, as the person knows it."""
    if getattr(report, "encoding", "utf-8") == "utf-8":
        return "UTF-8"
    return str(_l("Windows-1252 (as Excel saves CSV)"))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page() -> Any:
    viewer = current_person()
    permissions.require(permissions.can_import(viewer))
    report = None
    errors: list[tuple[str, str]] = []
    kind = request.form.get("kind", "requirements")
    if request.method == "POST":
        upload = request.files.get("file")
        if kind not in IMPORT_KINDS:
            abort(400)
        if upload is None or not upload.filename:
            errors = [("i-file", str(_l("Choose a CSV file.")))]
        else:
            # A file that cannot be read at all is shown on the form, not an error page.
            report, errors = attempt_placed(
                lambda: run_import(kind, upload.stream, viewer.id, upload.filename or ""),
                {},
                "i-file",
            )
        if report is not None and report.ok:
            flash(
                _(
                    "%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s "
                    "unchanged. Character set: %(encoding)s.",
                    kind=kind,
                    created=report.created,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    encoding=encoding_name(report),
                ),
                "success",
            )
            return redirect(url_for("competence.import_page"))
    # A file with a bad row stores nothing: the 422 rolls the request back.
    status = 422 if report is not None or errors else 200
    return render_template(
        "competence/import.html",
        report=report,
        kind=kind,
        errors=errors,
        encoding=encoding_name(report) if report is not None else None,
    ), status
