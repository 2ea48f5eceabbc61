"""``GET /api/v1/me/export``: the caller's personal data as JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from kollega.api import actor, route
from kollega.extensions import db
from kollega.privacy import services


@route(
    "/me/export",
    summary="Every piece of personal data kollega holds about the caller",
    response={"type": "object"},
)
def me_export() -> Any:
    person = actor()
    data = services.export_person(person, person)
    db.session.commit()
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response
