"""The schema comes only from migrations: they build exactly the models' schema, on
SQLite and PostgreSQL, have one head, and go all the way down and up again."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kollega.extensions import db
from kollega.migrate import alembic_config, downgrade, upgrade
from kollega.models import metadata


def _diff(app: Any) -> list[Any]:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, metadata) if not _ignorable(d)]


def _ignorable(diff: Any) -> bool:
    # Full-text search objects (FTS5 tables, tsvector indexes) are created by hand in the
    # migrations and are not model tables.
    text = repr(diff)
    return "_fts" in text or "tsv" in text


def test_migrations_have_one_head(app):
    heads = ScriptDirectory.from_config(alembic_config(app)).get_heads()
    assert len(heads) == 1, f"several heads, linearise the chain: {heads}"


def test_migrated_schema_matches_the_models(app):
    assert _diff(app) == []


def test_downgrade_to_base_and_up_again(app):
    downgrade(app, "base")
    with db.engine.connect() as conn:
        tables = set(db.engine.dialect.get_table_names(conn))
    assert not tables - {"alembic_version"} - {t for t in tables if "fts" in t}
    upgrade(app)
    assert _diff(app) == []
