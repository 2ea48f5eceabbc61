"""reflect: the space of a unit's learning stops; development conversations' plan goals

Revision ID: 0019_reflect
Revises: 0018_cycle_fixed_periods
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kollega.db import UTCDateTime

revision = "0019_reflect"
down_revision = "0018_cycle_fixed_periods"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cycle_unit_spaces",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_cycle_unit_spaces_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_cycle_unit_spaces_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_cycle_unit_spaces")),
    )
    op.create_table(
        "development_conversation_goals",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["development_conversations.id"],
            name="fk_dev_conv_goals_conv",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["competence_plan_goals.id"],
            name="fk_dev_conv_goals_goal",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "conversation_id", "goal_id", name=op.f("pk_development_conversation_goals")
        ),
    )
    op.create_index(
        op.f("ix_development_conversation_goals_goal_id"),
        "development_conversation_goals",
        ["goal_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_development_conversation_goals_goal_id"),
        table_name="development_conversation_goals",
    )
    op.drop_table("development_conversation_goals")
    op.drop_table("cycle_unit_spaces")
