"""The ``kollega`` command group.

Core commands live here; features add theirs from their own ``commands.py``
(``register(group)``), wired in ``register_cli``. Every command exits non-zero with a
one-line reason on bad input (``click.ClickException``).
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from kollega.extensions import db


def _create_app() -> Flask:
    from kollega import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
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
    import functools

    from kollega.errors import DomainError

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
@click.option("--debug/--no-debug", default=False)
@with_appcontext
def run_command(host: str, port: int, debug: bool) -> None:
    """Start the Socket.IO-capable server."""
    from kollega.extensions import socketio

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    start = app.extensions.get("kollega.start_background")
    if start is not None:
        start(app)
    click.echo(f"kollega is listening on http://{host}:{port}/")
    # FlaskGroup sets this, and Flask's app.run() (which socketio.run calls) then returns
    # at once instead of serving; this command is the server, so let it run.
    import os

    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(
        app,
        host=host,
        port=port,
        debug=debug,
        use_reloader=False,
        allow_unsafe_werkzeug=True,
        log_output=debug,
    )


@main.group("import")
def import_group() -> None:
    """Import CSV files (a file with any bad row imports nothing)."""


@main.group("seed")
def seed_group() -> None:
    """Demo and test data."""


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations in migrations/)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head)."""
    from kollega.migrate import upgrade

    upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    click.echo("database is up to date")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from kollega.migrate import downgrade

    downgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="no autogenerate")
@with_appcontext
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration from the difference between models and database."""
    from kollega.migrate import revision

    revision(current_app._get_current_object(), message, autogenerate=not empty)  # type: ignore[attr-defined]


@main.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--unit", "unit_code", default=None, help="unit code")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["employee", "leader", "hr", "admin", "guest"]),
)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
@fail_on_domain_error
def users_create(
    email: str, name: str, unit_code: str | None, roles: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an account (roles default to employee)."""
    from kollega.auth.services import find_by_email, normalise_email, set_password
    from kollega.org.models import Person
    from kollega.org.services import set_leader, set_roles, unit_by_code

    if find_by_email(email) is not None:
        raise click.ClickException(f"a person with e-mail {email} exists already")
    if "@" not in email:
        raise click.ClickException(f"not an e-mail address: {email}")
    unit = unit_by_code(unit_code) if unit_code else None
    if "leader" in roles and unit is None:
        raise click.ClickException("--role leader needs --unit")
    password = read_password(password_stdin)
    person = Person(email=normalise_email(email), name=name.strip(), unit=unit)
    db.session.add(person)
    db.session.flush()
    set_roles(person, [r for r in roles if r != "leader"] or ["employee"])
    if "leader" in roles and unit is not None:
        set_leader(person, unit)
    set_password(person, password)
    db.session.commit()
    click.echo(f"created {person.email} (id {person.id})")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
@fail_on_domain_error
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a person's password."""
    from kollega.auth.services import find_by_email, set_password

    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"no person with e-mail {email}")
    set_password(person, read_password(password_stdin))
    db.session.commit()
    click.echo(f"password set for {person.email}")


@main.group("token")
def token_group() -> None:
    """API bearer tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="a label for the token")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Print a new bearer token for EMAIL on standard output (and nothing else)."""
    from kollega.auth.services import create_token, find_by_email

    person = find_by_email(email)
    if person is None or not person.active:
        raise click.ClickException(f"no active person with e-mail {email}")
    token = create_token(person, name)
    db.session.commit()
    click.echo(token)


def _load_feature_commands() -> None:
    """Features define their commands in ``kollega/<feature>/commands.py`` on the groups
    above (``import_group``, ``seed_group``, ``main``); importing them registers them."""
    from kollega import feature_modules

    feature_modules("commands")


_load_feature_commands()
