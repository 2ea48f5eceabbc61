"""The competence imports' shared row checks: competence codes and levels on their
framework's scale, ISO dates, and the checked plan (``imports``, ``credential_imports``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega.competence.models import Competence, FrameworkLevel
from kollega.csvio import ImportReport
from kollega.extensions import db


@dataclass
class Plan:
    report: ImportReport = field(default_factory=ImportReport)
    rows: list[dict[str, Any]] = field(default_factory=list)


def competence_scales() -> dict[str, tuple[int, int]]:
    """competence code -> (id, top level of its framework's scale)."""
    tops = dict(
        db.session.execute(
            sa.select(FrameworkLevel.framework_id, sa.func.max(FrameworkLevel.level)).group_by(
                FrameworkLevel.framework_id
            )
        ).all()
    )
    return {
        code: (cid, int(tops.get(fid, 0)))
        for cid, code, fid in db.session.execute(
            sa.select(Competence.id, Competence.code, Competence.framework_id)
        )
    }


def _level(text: str, top: int, low: int) -> int | None:
    t = text.strip()
    if not t.isdigit():
        return None
    value = int(t)
    return value if low <= value <= top else None


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def competence_level(
    row: dict[str, str], scales: dict[str, tuple[int, int]], problems: list[Any], low: int
) -> tuple[tuple[int, int] | None, int | None]:
    """((competence id, top of its scale), the level from ``low`` to the top); problems
    noted. A requirement starts at 1, an assessment at 0 (not yet able)."""
    comp = scales.get(row["competence_code"])
    level = None
    if comp is None:
        problems.append(_l("unknown competence code %(code)s", code=row["competence_code"]))
        return None, None
    level = _level(row["level"], comp[1], low)
    if level is None:
        value, top = row["level"], comp[1]
        problems.append(
            _l("level %(value)s is outside the framework's scale (1–%(top)s)", value=value, top=top)
            if low == 1
            else _l(
                "level %(value)s is outside the framework's scale (0–%(top)s)", value=value, top=top
            )
        )
    return comp, level
