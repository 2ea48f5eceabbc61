"""Imports every feature's models so that ``metadata`` is complete (Alembic, tests)."""

from kollega import feature_modules
from kollega.db import Base

feature_modules("models")
metadata = Base.metadata
