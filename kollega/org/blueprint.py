"""The ``org`` blueprint, shared by the unit and people pages (``views``) and the HR
import pages (``import_views``) so that neither module imports the other's routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org", __name__)
