"""The subtree's assessments at dates, kept per process and brought up to date by reading
only what was added since.

A saved assessment changes ``kept.assessments_version`` and so every figure keyed on
it: the next view of the gap page, the plan and the metrics read the subtree's
assessments again (for the municipality a sort of all of them in the database, about a
fifth of the page). Assessments are only added, so the read of the earlier version plus
the rows added since is the read of the new one: the rows kept are, for each (person,
competence) and date bucket, the latest one (``reads.subtree_assessments_at_dates``),
and a new row either is the latest of its bucket or loses to one kept; the pick at any
date (``analysis.current_levels``) is the same.

Only a plain addition is brought up to date this way: the rows above the earlier
version's highest id must account for the whole change in count, sums and date range,
carry no credential (a credential's expiry changes what counts on each date), and touch
no pair with a credential expiring by the last date (those pairs are read whole, with
rows made to keep the dates consistent). Anything else (a deletion, an edited
credential, a new competence code) is read again in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kollega.competence.models import Assessment, Competence
from kollega.extensions import db
from kollega.gaps import assessment_reads as reads
from kollega.gaps import kept
from kollega.gaps.pairs import SOURCE_RANK
from kollega.org.models import OrgUnit

_KEPT: kept.Kept[pd.DataFrame] = kept.Kept(kept.KEPT_FRAMES)


def assessments_at_dates(
    unit: OrgUnit,
    competences: Sequence[str],
    dates: Sequence[dt.date],
    person_ids: Sequence[int],
    version: kept.AssessmentsVersion,
) -> pd.DataFrame:
    """``reads.subtree_assessments_at_dates`` at ``version`` (the caller's
    ``kept.assessments_version`` of the subtree's people), kept per process; a later
    version that only added assessments reads just those (see the module's docstring).
    Callers read the frame and must not change it."""
    codes = tuple(sorted(set(competences)))
    days = tuple(sorted(set(dates)))
    people = hashlib.blake2b(np.sort(np.asarray(person_ids, dtype=np.int64)).tobytes())
    base = (unit.id, unit.path, codes, days, people.hexdigest())
    found = _KEPT.get((*base, version))
    if found is not None:
        return found
    frame = None
    earlier = _KEPT.latest_like(base)
    if earlier is not None and days:
        added = added_since(unit, earlier[0][-1], version, codes, days[-1])
        if added is not None:
            frame = earlier[1] if added.empty else pd.concat([earlier[1], added], ignore_index=True)
    if frame is None:
        frame = reads.subtree_assessments_at_dates(unit, codes, days, person_ids)
    _KEPT.put((*base, version), frame)
    return frame


def added_since(
    unit: OrgUnit,
    earlier: kept.AssessmentsVersion,
    now: kept.AssessmentsVersion,
    codes: Sequence[str],
    last_day: dt.date,
) -> pd.DataFrame | None:
    """The assessments of ``codes`` up to ``last_day`` added to the subtree since
    ``earlier`` (``reads.ASSESSMENT_COLUMNS``), or None when the change from
    ``earlier`` to ``now`` is anything but such additions (see the module's docstring)."""
    if now.tables != earlier.tables or now.count <= earlier.count:
        return None
    a = Assessment
    rows = db.session.execute(
        sa.select(
            a.id, a.person_id, a.competence_id, a.level, a.source, a.assessed_on, a.credential_id
        ).where(a.person_id.in_(reads.subtree_people_stmt(unit)), a.id > earlier.max_id)
    ).all()
    if not _accounts_for(earlier, now, rows):
        return None
    ids = dict(
        db.session.execute(
            sa.select(Competence.id, Competence.code).where(Competence.code.in_(codes))
        ).all()
    )
    wanted = [r for r in rows if r.competence_id in ids and r.assessed_on <= last_day]
    if wanted and _touches_lapsing(wanted, last_day):
        return None
    values = np.array(
        [
            (
                r.id,
                r.person_id,
                r.competence_id,
                r.level,
                SOURCE_RANK[r.source],
                (r.assessed_on - reads.EPOCH).days,
            )
            for r in wanted
        ],
        dtype=np.int64,
    ).reshape(len(wanted), 6)
    return reads.assessment_frame(values, ids, None)


def _accounts_for(
    earlier: kept.AssessmentsVersion, now: kept.AssessmentsVersion, rows: Sequence[sa.Row]
) -> bool:
    """Whether ``rows`` (those above the earlier highest id) are the whole change."""
    if not rows or any(r.credential_id is not None for r in rows):
        return False
    first = min([r.assessed_on for r in rows] + _day(earlier.first_on))
    last = max([r.assessed_on for r in rows] + _day(earlier.last_on))
    return (
        now.count == earlier.count + len(rows)
        and now.max_id == max(r.id for r in rows)
        and now.person_sum == earlier.person_sum + sum(r.person_id for r in rows)
        and now.competence_sum == earlier.competence_sum + sum(r.competence_id for r in rows)
        and now.level_sum == earlier.level_sum + sum(r.level for r in rows)
        and now.credential_sum == earlier.credential_sum
        and (now.first_on, now.last_on) == (str(first), str(last))
    )


def _day(text: str) -> list[dt.date]:
    """A version's first or last date (none when it had no assessment)."""
    return [] if text == "None" else [dt.date.fromisoformat(text)]


def _touches_lapsing(rows: Sequence[sa.Row], last_day: dt.date) -> bool:
    """Whether any row's (person, competence) is a pair whose credential lapses by
    ``last_day`` (``assessment_reads.lapsing_pairs``: such pairs are read whole, not
    added to)."""
    pairs = sorted({(r.person_id, r.competence_id) for r in rows})
    a = Assessment
    lapsing = reads.lapsing_pairs(last_day).where(
        sa.tuple_(a.person_id, a.competence_id).in_(pairs)
    )
    return db.session.execute(lapsing.limit(1)).first() is not None
