"""``GET /api/v1/me/export``: the caller's personal data as JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from kollega.api import route
from kollega.current import current_person
from kollega.privacy import services


@route(
    "/me/export",
    summary="Every piece of personal data kollega holds about the caller",
    response={"type": "object"},
)
def me_export() -> Any:
    person = current_person()
    data = services.export_person(person, person)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response
