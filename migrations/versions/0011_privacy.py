"""privacy: retention settings and erasure requests

Revision ID: 0011_privacy
Revises: 0010_auth_security
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0011_privacy"
down_revision = "0010_auth_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_months", sa.Integer(), nullable=True),
        sa.Column("message_scope", sa.String(length=10), nullable=False),
        sa.Column("deactivate_months", sa.Integer(), nullable=True),
        sa.Column("erase_months", sa.Integer(), nullable=True),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_retention_settings_single_row")),
        sa.CheckConstraint(
            "message_scope IN ('archived', 'all')", name=op.f("ck_retention_settings_message_scope")
        ),
        sa.CheckConstraint(
            "message_months IS NULL OR message_months > 0",
            name=op.f("ck_retention_settings_message_months"),
        ),
        sa.CheckConstraint(
            "deactivate_months IS NULL OR deactivate_months > 0",
            name=op.f("ck_retention_settings_deactivate_months"),
        ),
        sa.CheckConstraint(
            "erase_months IS NULL OR erase_months > 0",
            name=op.f("ck_retention_settings_erase_months"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["people.id"],
            name=op.f("fk_retention_settings_updated_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_settings")),
    )
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_erasure_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
        sa.UniqueConstraint("person_id", name=op.f("uq_erasure_requests_person_id")),
    )


def downgrade() -> None:
    op.drop_table("erasure_requests")
    op.drop_table("retention_settings")
