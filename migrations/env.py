"""Alembic environment: kollega passes an open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kollega.models import metadata

config = context.config

# Tables made by raw SQL in migrations (SQLite FTS5 search tables), not by models:
# autogenerate must neither drop nor recreate them.
UNMANAGED_TABLE_PREFIXES = ("message_fts", "search_fts")


def include_name(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run(conn)
