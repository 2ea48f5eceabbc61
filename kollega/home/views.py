"""The start page per role and the language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from kollega.current import current_person
from kollega.web import start_panels

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    person = current_person()
    panels = start_panels(person)
    return render_template("home/index.html", person=person, panels=panels)


@bp.route("/language", methods=["POST"])
def set_language() -> Any:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    target = request.form.get("next") or url_for("home.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")
    return redirect(target)


@bp.route("/accessibility")
def accessibility() -> Any:
    """The accessibility statement (tilgjengelighetserklæring): open to everyone."""
    return render_template("home/accessibility.html")
