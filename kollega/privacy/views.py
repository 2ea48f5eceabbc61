"""The privacy page and the person's own data export (JSON download and readable)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from kollega.extensions import db
from kollega.privacy import services
from kollega.web import register_nav

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

register_nav(_l("Privacy"), "privacy.index", lambda p: True, order=95)


@bp.route("/")
@login_required
def index() -> Any:
    return render_template(
        "privacy/index.html",
        message_days=current_app.config.get("RETENTION_MESSAGE_DAYS"),
        inactive_days=current_app.config.get("RETENTION_INACTIVE_DAYS"),
    )


@bp.route("/export")
@login_required
def export_page() -> Any:
    """The same data as ``/api/v1/me/export``, readable."""
    person = current_user._get_current_object()
    data = services.export_person(person, person)
    db.session.commit()
    response = current_app.make_response(render_template("privacy/export.html", data=data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/export.json")
@login_required
def export_download() -> Any:
    person = current_user._get_current_object()
    data = services.export_person(person, person)
    db.session.commit()
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="kollega-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
