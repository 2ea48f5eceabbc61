"""``kollega import requirements|assessments|credentials FILE`` and ``kollega frameworks sync``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from kollega.cli import (
    fail_on_domain_error,
    import_group,
    main,
    max_size_option,
    refuse_large_file,
)
from kollega.competence.frameworks import sync_frameworks
from kollega.competence.imports import run_import
from kollega.csvio import ImportReport
from kollega.uow import unit_of_work

_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _import(kind: str, path: Path, max_size: int | None = None) -> None:
    """Import the file; a file with a bad row changes nothing and lists every bad row."""
    refuse_large_file(path, max_size)
    with unit_of_work():
        report = run_import(kind, path, None, path.name)
        _refuse_bad_rows(report, path)
    click.echo(
        f"{kind}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        + _encoding_note(report)
    )


def _encoding_note(report: ImportReport) -> str:
    """What the file was read as, when it was not UTF-8 (Excel's CSV in Norway)."""
    if report.encoding == "utf-8":
        return ""
    return " " + _("(read as Windows-1252, as Excel saves CSV)")


def _refuse_bad_rows(report: ImportReport, path: Path) -> None:
    if not report.ok:
        listing = "\n".join(
            _("line %(line)s: %(message)s", line=line, message=message)
            for line, message in report.sorted_errors()
        )
        bad = len({line for line, _m in report.errors})
        summary = ngettext(
            "%(file)s: %(num)d bad row, nothing was imported",
            "%(file)s: %(num)d bad rows, nothing was imported",
            bad,
            file=path.name,
        )
        raise click.ClickException(f"{summary}{_encoding_note(report)}\n{listing}")


@import_group.command("requirements")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_requirements_command(file: Path, max_size: int | None) -> None:
    """Import requirements: scope_type,scope_code,competence_code,level,effective_from,effective_until."""
    _import("requirements", file, max_size)


@import_group.command("assessments")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_assessments_command(file: Path, max_size: int | None) -> None:
    """Import assessments: employee_no,competence_code,level,source,assessed_on."""
    _import("assessments", file, max_size)


@import_group.command("credentials")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_credentials_command(file: Path, max_size: int | None) -> None:
    """Import formal competence: employee_no,title,kind,issuer,issued_on,expires_on,competence_code,level."""
    _import("credentials", file, max_size)


@main.group("frameworks")
def frameworks_group() -> None:
    """Competence frameworks (data files in kollega/frameworks and <instance>/frameworks)."""


@frameworks_group.command("sync")
@click.argument("files", nargs=-1, type=_FILE)
@with_appcontext
@fail_on_domain_error
def frameworks_sync_command(files: tuple[Path, ...]) -> None:
    """Load the framework files into the database (idempotent); FILES are extra ones."""
    with unit_of_work():
        report = sync_frameworks(list(files))
    click.echo(f"frameworks: {report.summary()}")
