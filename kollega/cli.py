"""The ``kollega`` command group.

The core's commands (the server, the schema) and the groups live here; features add
their commands to the groups from their own ``commands.py``, imported at the end of this
module. Every command exits non-zero with a one-line reason on bad input
(``click.ClickException``); a command that writes is one unit of work
(``kollega.uow.unit_of_work``).
"""

from __future__ import annotations

import functools
import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from flask_babel import gettext as _

from kollega import create_app, feature_modules, migrate
from kollega.errors import DomainError
from kollega.extensions import db


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """kollega: collegial learning for the municipality."""


main.add_command(shell_command)
main.add_command(routes_command)


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.ClickException("no password given")
    return password


def fail_on_domain_error(fn):  # type: ignore[no-untyped-def]
    """Turn a refused use case into a one-line error and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise click.ClickException(
                f"{exc.message}" + (f" ({detail})" if detail else "")
            ) from None

    return wrapper


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, help="Flask's debug mode and the access log")
def run_command(host: str, port: int, debug: bool) -> None:
    """Serve kollega as production does: gunicorn with one gevent worker
    (gunicorn.conf.py), here with the embedded scheduler (unless
    ``KOLLEGA_SCHEDULER_ENABLED=0``)."""
    click.echo(f"kollega is listening on http://{host}:{port}/")
    sys.stdout.flush()
    # This process has imported every command's modules (requests, urllib3, redis ...);
    # gevent must patch before those are imported, or they keep unpatched ssl objects
    # (gevent's MonkeyPatchWarning). So the process becomes a fresh interpreter (the same
    # pid) that imports no more than the arbiter needs; the worker builds the app.
    os.execv(
        sys.executable,
        [sys.executable, "-c", SERVE, host, str(port), "1" if debug else "0"],
    )


# What ``kollega run`` becomes: gunicorn in this process (kollega.serve).
SERVE = "import sys, kollega; kollega.serve(sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1')"


@main.group("import")
def import_group() -> None:
    """Import CSV files (a file with any bad row imports nothing)."""


# The web upload's limit (``IMPORT_MAX_BYTES``, kollega.org.import_views) holds for the
# command line too, unless the operator names another with ``--max-size``.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2}
_SIZE_UNITS |= {"G": 1024**3, "GB": 1024**3}


class ByteSize(click.ParamType):
    """A size such as ``50MB``, ``800K`` or ``1048576`` (bytes; K, M, G are 1024-based)."""

    name = "size"

    def convert(self, value: object, param: object, ctx: object) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().replace(" ", "")
        digits = text.rstrip("KMGB")
        unit = text[len(digits) :]
        if not digits.isdigit() or unit not in _SIZE_UNITS or int(digits) <= 0:
            self.fail(f"{value!r} is not a size such as 50MB, 800K or 1048576", param, ctx)  # type: ignore[arg-type]
        return int(digits) * _SIZE_UNITS[unit]


max_size_option = click.option(
    "--max-size",
    type=ByteSize(),
    default=None,
    help="refuse a larger file (default: the web upload's limit, 10MB)",
)


def refuse_large_file(path: os.PathLike[str], max_size: int | None) -> None:
    """A one-line refusal when the file is larger than ``max_size`` (default: the web
    upload's limit), before anything is read."""
    limit = max_size or int(current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES))
    size = os.path.getsize(path)
    if size > limit:
        raise click.ClickException(
            _(
                "%(file)s: %(size)s bytes is more than the limit of %(limit)s bytes (the web"
                " upload's); give --max-size to import it anyway",
                file=os.fspath(path),
                size=size,
                limit=limit,
            )
        )


@main.group("seed")
def seed_group() -> None:
    """Demo and test data."""


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations in migrations/)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
@fail_on_domain_error
@click.option(
    "--frameworks/--no-frameworks",
    default=True,
    show_default=True,
    help="load the shipped competence frameworks (new and changed versions) after migrating",
)
def db_upgrade(revision: str, frameworks: bool) -> None:
    """Apply migrations up to REVISION (default: every head), then load the shipped
    competence frameworks: a first install needs no other command before its imports."""
    migrate.upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    if frameworks and revision == "heads":
        click.echo(f"frameworks: {migrate.sync_shipped_frameworks()}")
    click.echo("database is up to date")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="no autogenerate")
@with_appcontext
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration from the difference between models and database."""
    migrate.revision(current_app._get_current_object(), message, autogenerate=not empty)  # type: ignore[attr-defined]


@main.group("users")
def users_group() -> None:
    """Accounts."""


@main.group("token")
def token_group() -> None:
    """API bearer tokens."""


def _load_feature_commands() -> None:
    """Features define their commands in ``kollega/<feature>/commands.py`` on the groups
    above (``import_group``, ``seed_group``, ``main``); importing them registers them."""
    feature_modules("commands")


_load_feature_commands()
