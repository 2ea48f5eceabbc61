"""jobs: the readable name of each job code

Revision ID: 0012_jobs
Revises: 0011_privacy
Create Date: 2026-12-06 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_jobs"
down_revision = "0011_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_jobs")),
    )


def downgrade() -> None:
    op.drop_table("jobs")
