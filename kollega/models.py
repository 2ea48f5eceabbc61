"""Imports every feature's models so that ``metadata`` is complete (Alembic, tests)."""

from kollega.audit import models as audit_models  # noqa: F401
from kollega.auth import models as auth_models  # noqa: F401
from kollega.db import Base
from kollega.org import models as org_models  # noqa: F401

metadata = Base.metadata
