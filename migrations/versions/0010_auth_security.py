"""auth: reserved for TOTP and session invalidation (helper E1)

Revision ID: 0010_auth_security
Revises: 0009_cycle_practice
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0010_auth_security"
down_revision = "0009_cycle_practice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
