"""``kollega import units FILE``, ``kollega import people FILE`` and ``kollega import jobs FILE``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from tqdm import tqdm

from kollega.cli import fail_on_domain_error, import_group, max_size_option, refuse_large_file
from kollega.csvio import ImportReport, count_lines
from kollega.org.imports import run_import
from kollega.uow import unit_of_work

# Below this many lines a progress bar is only noise.
PROGRESS_FROM_LINES = 2000


class _Bars:
    """tqdm bars on standard error, one per phase (checking, then storing)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self.bars.get(phase)
        if bar is None:
            self.close()  # the previous phase is over
            label = "checking" if phase == "check" else "importing"
            unit = "lines" if phase == "check" else "rows"
            bar = tqdm(
                total=total or None,
                desc=label,
                unit=f" {unit}",
                file=sys.stderr,
                leave=False,
            )
            self.bars[phase] = bar
        bar.update(max(done - bar.n, 0))

    def close(self) -> None:
        for bar in self.bars.values():
            if not bar.disable:
                bar.close()


def _run(kind: str, path: Path, max_size: int | None = None) -> None:
    refuse_large_file(path, max_size)
    lines = count_lines(path)
    bars = _Bars(lines >= PROGRESS_FROM_LINES)
    try:
        with unit_of_work():
            report = run_import(kind, path, progress=bars, total=lines, file_name=path.name)
            if not report.ok:
                raise _refusal(report, path)  # the unit of work stores nothing
    finally:
        bars.close()
    click.echo(
        _(
            "%(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged",
            file=path.name,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
        + _encoding_note(report)
    )


def _encoding_note(report: ImportReport) -> str:
    """What the file was read as, when it was not UTF-8 (an older Excel CSV)."""
    if report.encoding == "utf-8":
        return ""
    return " " + _("(read as Windows-1252, as Excel saves CSV)")


def _refusal(report: ImportReport, path: Path) -> click.ClickException:
    """The one-line summary and every bad row, for a file that imports nothing."""
    listing = "\n".join(
        _("line %(line)s: %(message)s", line=line, message=message)
        for line, message in report.sorted_errors()
    )
    summary = ngettext(
        "%(file)s: %(num)d bad row, nothing was imported",
        "%(file)s: %(num)d bad rows, nothing was imported",
        report.bad_rows,
        file=path.name,
    )
    return click.ClickException(f"{summary}{_encoding_note(report)}\n{listing}")


_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@import_group.command("units")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_units_command(file: Path, max_size: int | None) -> None:
    """Import units from a CSV file: code,name,parent_code,kind."""
    _run("units", file, max_size)


@import_group.command("people")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_people_command(file: Path, max_size: int | None) -> None:
    """Import people from a CSV file:
    employee_no,name,email,unit_code,job_code,fte,birth_year,roles."""
    _run("people", file, max_size)


@import_group.command("jobs")
@click.argument("file", type=_FILE)
@max_size_option
@with_appcontext
@fail_on_domain_error
def import_jobs_command(file: Path, max_size: int | None) -> None:
    """Import the readable names of job codes from a CSV file: code,name."""
    _run("jobs", file, max_size)
