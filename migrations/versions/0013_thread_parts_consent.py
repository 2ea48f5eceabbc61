"""networks: an experience thread's four parts as columns; notifications of consent and
roles ("approved", "invite_accepted", "made_facilitator")

Revision ID: 0013_thread_parts_consent
Revises: 0012_jobs
Create Date: 2026-12-06 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_thread_parts_consent"
down_revision = "0012_jobs"
branch_labels = None
depends_on = None

PARTS = ("situation", "what_we_did", "what_we_learned", "next_time")
OLD_KINDS = "kind IN ('mention', 'reply', 'join_request', 'invite')"
NEW_KINDS = (
    "kind IN ('mention', 'reply', 'join_request', 'invite', "
    "'approved', 'invite_accepted', 'made_facilitator')"
)


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy on SQLite: triggers on threads stay).
    for name in PARTS:
        op.add_column("threads", sa.Column(name, sa.Text(), nullable=True))
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute(
        "DELETE FROM notifications "
        "WHERE kind IN ('approved', 'invite_accepted', 'made_facilitator')"
    )
    _kinds(OLD_KINDS)
    with op.batch_alter_table("threads", schema=None) as batch_op:
        for name in reversed(PARTS):
            batch_op.drop_column(name)


def _kinds(check: str) -> None:
    """Replace the CHECK over notification kinds (SQLite: batch mode copies the table)."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), sa.text(check))
