"""The privacy page and the person's own data export (JSON download and readable)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega.current import current_person
from kollega.privacy import retention, services
from kollega.web import register_nav

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

register_nav(_l("Privacy"), "privacy.index", lambda p: True, order=95)


@bp.route("/")
@login_required
def index() -> Any:
    person = current_person()
    return render_template(
        "privacy/index.html",
        settings=retention.current_settings(),
        erasure_request=services.erasure_request_of(person),
    )


@bp.route("/erasure", methods=["POST"])
@login_required
def request_erasure() -> Any:
    """Ask an administrator to erase everything kollega holds about the caller."""
    services.request_erasure(current_person())
    flash(_("Your request is sent. An administrator will carry it out."), "success")
    return redirect(url_for("privacy.index", _anchor="privacy-rights"))


@bp.route("/erasure/withdraw", methods=["POST"])
@login_required
def withdraw_erasure() -> Any:
    if services.withdraw_erasure(current_person()):
        flash(_("Your erasure request is withdrawn."), "success")
    return redirect(url_for("privacy.index", _anchor="privacy-rights"))


@bp.route("/export")
@login_required
def export_page() -> Any:
    """The same data as ``/api/v1/me/export``, readable."""
    person = current_person()
    data = services.export_person(person, person)
    response = current_app.make_response(render_template("privacy/export.html", data=data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/export.json")
@login_required
def export_download() -> Any:
    person = current_person()
    data = services.export_person(person, person)
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="kollega-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
