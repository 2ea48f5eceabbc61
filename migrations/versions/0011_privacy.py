"""privacy: reserved for retention settings and erasure requests (helper E2)

Revision ID: 0011_privacy
Revises: 0010_auth_security
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0011_privacy"
down_revision = "0010_auth_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
