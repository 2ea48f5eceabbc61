"""Alembic, driven from the app: the schema comes only from ``migrations/``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from kollega.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "heads") -> None:
    """Bring the database to ``revision``."""
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def sync_shipped_frameworks() -> str:
    """Load the competence frameworks in ``kollega/frameworks/`` (and the instance's
    ``frameworks/``) in one unit of work, after the schema is at its head: new files are
    created, changed ones (another SHA-256: a new version shipped) updated, unchanged ones
    left alone, so every ``db upgrade`` may run it. Returns the summary line."""
    from kollega.competence.frameworks import sync_frameworks
    from kollega.uow import unit_of_work

    with unit_of_work():
        report = sync_frameworks()
    return report.summary()


def downgrade(app: Flask, revision: str) -> None:
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def revision(app: Flask, message: str, autogenerate: bool = True) -> None:
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=autogenerate)


def current_heads(app: Flask) -> tuple[str | None, tuple[str, ...]]:
    """(revision in the database, heads in ``migrations/``)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with app.app_context(), db.engine.connect() as connection:
        ctx = MigrationContext.configure(connection)
        script = ScriptDirectory.from_config(alembic_config(app))
        return ctx.get_current_revision(), tuple(script.get_heads())
