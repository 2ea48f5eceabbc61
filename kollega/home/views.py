"""The start page per role and the language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from kollega.extensions import db

bp = Blueprint("home", __name__)

# Features add panels to the start page: (template, predicate(person)).
START_PANELS: list[tuple[str, Any]] = []
# My gaps and suggestions (gaps feature): everyone but guests.
START_PANELS.append(("gaps/_start_panel.html", lambda p: not p.is_guest))


@bp.route("/")
@login_required
def index() -> Any:
    person = current_user._get_current_object()
    panels = [tpl for tpl, show in START_PANELS if show(person)]
    return render_template("home/index.html", person=person, panels=panels)


@bp.route("/language", methods=["POST"])
def set_language() -> Any:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next") or url_for("home.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")
    return redirect(target)


@bp.route("/accessibility")
def accessibility() -> Any:
    """The accessibility statement (tilgjengelighetserklæring): open to everyone."""
    return render_template("home/accessibility.html")
