"""networks: search stemmed for bokmål over message bodies and thread texts

PostgreSQL: GIN expression indexes on ``to_tsvector('norwegian', …)`` of a message's body
and of a thread's title and four experience parts (replacing the ``simple`` index of
0002). SQLite: FTS5 tables ``search_fts_messages`` and ``search_fts_threads`` holding the
Snowball stems of the same texts (``kollega.networks.search_text.index_text``), kept in
step by triggers that call the SQLite function ``kollega_search_terms`` (registered on
every connection by ``kollega.networks.search_text``), replacing 0002's ``message_fts``.

A later migration that copies ``messages`` or ``threads`` on SQLite (batch mode with a
table rebuild) drops their triggers and must create them again (``SQLITE_TRIGGERS``).

Revision ID: 0016_search
Revises: 0015_attention_settings
Create Date: 2026-12-06 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kollega.networks.search_text import index_text

revision = "0016_search"
down_revision = "0015_attention_settings"
branch_labels = None
depends_on = None

PARTS = "title, situation, what_we_did, what_we_learned, next_time"
THREAD_TEXT_PG = (
    "coalesce(title, '') || ' ' || coalesce(situation, '') || ' ' || "
    "coalesce(what_we_did, '') || ' ' || coalesce(what_we_learned, '') || ' ' || "
    "coalesce(next_time, '')"
)
POSTGRES_UP = [
    "DROP INDEX IF EXISTS ix_messages_body_fts",
    "CREATE INDEX ix_messages_norwegian_fts ON messages "
    "USING gin (to_tsvector('norwegian'::regconfig, body))",
    "CREATE INDEX ix_threads_norwegian_fts ON threads "
    f"USING gin (to_tsvector('norwegian'::regconfig, {THREAD_TEXT_PG}))",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_threads_norwegian_fts",
    "DROP INDEX IF EXISTS ix_messages_norwegian_fts",
    "CREATE INDEX ix_messages_body_fts ON messages USING gin (to_tsvector('simple', body))",
]
_FTS = "USING fts5(terms, tokenize='unicode61 remove_diacritics 0')"
_NEW = "kollega_search_terms(new.title, new.situation, new.what_we_did, new.what_we_learned, new.next_time)"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER search_fts_messages_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO search_fts_messages(rowid, terms) "
    "VALUES (new.id, kollega_search_terms(new.body)); END",
    "CREATE TRIGGER search_fts_messages_ad AFTER DELETE ON messages BEGIN "
    "DELETE FROM search_fts_messages WHERE rowid = old.id; END",
    "CREATE TRIGGER search_fts_messages_au AFTER UPDATE OF body ON messages BEGIN "
    "DELETE FROM search_fts_messages WHERE rowid = old.id; "
    "INSERT INTO search_fts_messages(rowid, terms) "
    "VALUES (new.id, kollega_search_terms(new.body)); END",
    "CREATE TRIGGER search_fts_threads_ai AFTER INSERT ON threads BEGIN "
    f"INSERT INTO search_fts_threads(rowid, terms) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER search_fts_threads_ad AFTER DELETE ON threads BEGIN "
    "DELETE FROM search_fts_threads WHERE rowid = old.id; END",
    f"CREATE TRIGGER search_fts_threads_au AFTER UPDATE OF {PARTS} ON threads BEGIN "
    "DELETE FROM search_fts_threads WHERE rowid = old.id; "
    f"INSERT INTO search_fts_threads(rowid, terms) VALUES (new.id, {_NEW}); END",
]
OLD_SQLITE = [
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TABLE IF EXISTS message_fts",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for statement in POSTGRES_UP:
            op.execute(statement)
        return
    for statement in OLD_SQLITE:
        op.execute(statement)
    op.execute(f"CREATE VIRTUAL TABLE search_fts_messages {_FTS}")
    op.execute(f"CREATE VIRTUAL TABLE search_fts_threads {_FTS}")
    _fill(bind)
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _fill(bind: sa.Connection) -> None:
    """Index what is there already, stemmed here (the SQL function may be missing on a
    connection that Alembic opened itself)."""
    insert_message = sa.text("INSERT INTO search_fts_messages(rowid, terms) VALUES (:id, :t)")
    rows = bind.execute(sa.text("SELECT id, body FROM messages")).all()
    if rows:
        bind.execute(insert_message, [{"id": i, "t": index_text(b)} for i, b in rows])
    insert_thread = sa.text("INSERT INTO search_fts_threads(rowid, terms) VALUES (:id, :t)")
    rows = bind.execute(sa.text(f"SELECT id, {PARTS} FROM threads")).all()
    if rows:
        bind.execute(
            insert_thread,
            [{"id": r[0], "t": " ".join(index_text(p) for p in r[1:] if p)} for r in rows],
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
        return
    for name in ("messages_ai", "messages_ad", "messages_au", "threads_ai", "threads_ad"):
        op.execute(f"DROP TRIGGER IF EXISTS search_fts_{name}")
    op.execute("DROP TRIGGER IF EXISTS search_fts_threads_au")
    op.execute("DROP TABLE IF EXISTS search_fts_messages")
    op.execute("DROP TABLE IF EXISTS search_fts_threads")
    # 0002's message search, filled again from the messages.
    op.execute(
        "CREATE VIRTUAL TABLE message_fts USING fts5(body, content='messages', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
        "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN INSERT INTO "
        "message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN INSERT INTO "
        "message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
        "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END"
    )
