"""networks: learning networks, members, threads, messages, reactions, notifications

Revision ID: 0002_networks
Revises: 0001_foundation
Create Date: 2026-11-22 10:57:05.924245

Message search: on SQLite an external-content FTS5 table ``message_fts`` kept in step by
triggers; on PostgreSQL a GIN index on ``to_tsvector('simple', body)``. Both are used by
``kollega.networks.search``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0002_networks"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
]
POSTGRES_FTS = [
    "CREATE INDEX ix_messages_body_fts ON messages USING gin (to_tsvector('simple', body))",
]


def upgrade() -> None:
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("target_competences", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("edit_window_minutes", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("archived_at", kollega.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('professional', 'cross_unit', 'leaders', 'project')",
            name=op.f("ck_networks_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'active', 'archived')", name=op.f("ck_networks_status")
        ),
        sa.CheckConstraint(
            "visibility IN ('open', 'request', 'invite')", name=op.f("ck_networks_visibility")
        ),
        sa.CheckConstraint("edit_window_minutes >= 0", name=op.f("ck_networks_edit_window")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["people.id"],
            name=op.f("fk_networks_approved_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_networks_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_networks_unit_id_org_units"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
    )
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_networks_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_networks_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_networks_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_networks_visibility"), ["visibility"], unique=False)

    op.create_table(
        "notification_settings",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "email_digest IN ('never', 'daily', 'weekly')",
            name=op.f("ck_notification_settings_digest"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_notification_settings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "network_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("guest", sa.Boolean(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("joined_at", kollega.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('member', 'facilitator')", name=op.f("ck_network_members_role")
        ),
        sa.CheckConstraint(
            "state IN ('active', 'requested', 'invited')", name=op.f("ck_network_members_state")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["people.id"],
            name=op.f("fk_network_members_invited_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_network_members_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_network_members_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_members")),
        sa.UniqueConstraint(
            "network_id", "person_id", name=op.f("uq_network_members_network_id_person_id")
        ),
    )
    with op.batch_alter_table("network_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_members_network_id"), ["network_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_members_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("competence_tags", sa.JSON(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_at", kollega.db.UTCDateTime(), nullable=True),
        sa.Column("accepted_message_id", sa.Integer(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_message_at", kollega.db.UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('discussion', 'question', 'experience', 'learning_stop')",
            name=op.f("ck_threads_kind"),
        ),
        sa.CheckConstraint("last_seq >= 0", name=op.f("ck_threads_last_seq")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_threads_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_threads_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_threads_last_message_at"), ["last_message_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_threads_network_id"), ["network_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("edited_at", kollega.db.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", kollega.db.UTCDateTime(), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("seq > 0", name=op.f("ck_messages_seq_positive")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_messages_author_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["people.id"],
            name=op.f("fk_messages_deleted_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["messages.id"],
            name=op.f("fk_messages_reply_to_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_messages_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("author_id", "client_id", name=op.f("uq_messages_author_id_client_id")),
        sa.UniqueConstraint("thread_id", "seq", name=op.f("uq_messages_thread_id_seq")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_created_at"), ["created_at"], unique=False)

    op.create_table(
        "thread_follows",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_thread_follows_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_follows_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", "person_id", name=op.f("pk_thread_follows")),
    )
    with op.batch_alter_table("thread_follows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thread_follows_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "thread_reads",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_read_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_thread_reads_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_reads_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", "person_id", name=op.f("pk_thread_reads")),
    )
    with op.batch_alter_table("thread_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_reads_person_id"), ["person_id"], unique=False)

    op.create_table(
        "message_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("previous_body", sa.Text(), nullable=False),
        sa.Column("edited_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["people.id"],
            name=op.f("fk_message_edits_edited_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_edits_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_edits")),
    )
    with op.batch_alter_table("message_edits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_edits_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", kollega.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('mention', 'reply', 'join_request')", name=op.f("ck_notifications_kind")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["people.id"],
            name=op.f("fk_notifications_actor_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_notifications_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_notifications_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_notifications_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_notifications_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_network_id"), ["network_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_person_id_read_at", ["person_id", "read_at"], unique=False
        )

    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_reactions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_reactions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint(
            "message_id", "person_id", "emoji", name=op.f("uq_reactions_message_id_person_id_emoji")
        ),
    )
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reactions_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reactions_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_threads_accepted_message_id_messages",
            "messages",
            ["accepted_message_id"],
            ["id"],
            ondelete="SET NULL",
        )

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS message_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_messages_body_fts")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_constraint("fk_threads_accepted_message_id_messages", type_="foreignkey")
    for table in (
        "reactions",
        "notifications",
        "message_edits",
        "thread_reads",
        "thread_follows",
        "messages",
        "threads",
        "network_members",
        "notification_settings",
        "networks",
    ):
        op.drop_table(table)
