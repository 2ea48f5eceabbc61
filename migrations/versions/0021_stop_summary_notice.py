"""networks: a notification kind for a stop's summary ("stop_summary"), so the summary
reaches every invitee in the app and in the e-mail digest

Revision ID: 0021_stop_summary_notice
Revises: 0020_conversation_follow_up
Create Date: 2026-12-06 05:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_stop_summary_notice"
down_revision = "0020_conversation_follow_up"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "kind IN ('mention', 'reply', 'join_request', 'invite', "
    "'approved', 'invite_accepted', 'made_facilitator')"
)
NEW_KINDS = (
    "kind IN ('mention', 'reply', 'join_request', 'invite', "
    "'approved', 'invite_accepted', 'made_facilitator', 'stop_summary')"
)


def upgrade() -> None:
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'stop_summary'")
    _kinds(OLD_KINDS)


def _kinds(check: str) -> None:
    """Replace the CHECK over notification kinds (SQLite: batch mode copies the table)."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), sa.text(check))
