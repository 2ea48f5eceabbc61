"""networks: guest invitation links; "invite" notifications

Revision ID: 0007_networks
Revises: 0006_plans
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0007_networks"
down_revision = "0006_plans"
branch_labels = None
depends_on = None


OLD_KINDS = "kind IN ('mention', 'reply', 'join_request')"
NEW_KINDS = "kind IN ('mention', 'reply', 'join_request', 'invite')"


def upgrade() -> None:
    op.create_table(
        "guest_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", kollega.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["people.id"],
            name=op.f("fk_guest_invitations_invited_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_guest_invitations_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_guest_invitations_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_guest_invitations_token_hash")),
    )
    with op.batch_alter_table("guest_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guest_invitations_person_id"), ["person_id"], unique=False
        )
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'invite'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table("guest_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_invitations_person_id"))
    op.drop_table("guest_invitations")


def _kinds(check: str) -> None:
    """Replace the CHECK over notification kinds (SQLite: batch mode copies the table)."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), sa.text(check))
