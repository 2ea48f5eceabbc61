"""Participation figures as pure pandas, with the small-group rule.

DESIGN.md: for a unit's subtree in a period [start, end):
members = its people who belonged to at least one network during the period;
active members = those of them who posted, reacted or attended a stop in the period;
messages = messages they posted; stops held = the unit's stops that took place;
attendance rate = attendances / invitations for those stops; reflections = their
answers to stop prompts. When members is below 5 every figure is hidden.

Input frames:
- ``memberships``: person_id, network_id, joined_at, left_at (NaT while a member)
- ``activity``: person_id, kind ("message" | "reaction" | "attendance" | "reflection"), at
- ``stops``: occurrence_id, starts_at, invited, attended (counts per stop occurrence)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

MIN_GROUP = 5
FIGURES = ("members", "active_members", "messages", "stops_held", "attendance_rate", "reflections")
ACTIVE_KINDS = ("message", "reaction", "attendance")


def _ts(value: dt.date | dt.datetime | str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def _naive(series: pd.Series) -> pd.Series:
    # Frames from metrics.queries are naive UTC already: no conversion per call.
    if pd.api.types.is_datetime64_dtype(series):
        return series
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_localize(None)


def members_in_period(memberships: pd.DataFrame, start: Any, end: Any) -> set[int]:
    """People who belonged to at least one network at some time in [start, end)."""
    if memberships.empty:
        return set()
    joined = _naive(memberships["joined_at"])
    left = _naive(memberships["left_at"])
    mask = (joined < _ts(end)) & (left.isna() | (left >= _ts(start)))
    return set(memberships.loc[mask, "person_id"].astype("int64"))


def in_period(frame: pd.DataFrame, column: str, start: Any, end: Any) -> pd.DataFrame:
    if frame.empty:
        return frame
    at = _naive(frame[column])
    return frame.loc[(at >= _ts(start)) & (at < _ts(end))]


def count_of(acts: pd.DataFrame, kind: str) -> int:
    """Rows of ``kind``; when the frame was aggregated in SQL it carries a count ``n``
    per row (person, kind, bucket), and the counts are summed instead."""
    if acts.empty:
        return 0
    rows = acts.loc[acts["kind"] == kind]
    return int(rows["n"].sum()) if "n" in rows.columns else len(rows)


def suppressed(**extra: Any) -> dict[str, Any]:
    return {**dict.fromkeys(FIGURES), **extra, "suppressed": True}


def participation(
    people: set[int],
    memberships: pd.DataFrame,
    activity: pd.DataFrame,
    stops: pd.DataFrame,
    start: Any,
    end: Any,
    min_group: int = MIN_GROUP,
) -> dict[str, Any]:
    """The participation figures of a group of ``people`` in [start, end).

    ``stops`` are the group's own stops (a unit's, or a network's); ``activity`` may
    hold anyone's rows: only the members' count.
    """
    members = members_in_period(memberships, start, end) & set(people)
    if len(members) < min_group:
        return suppressed()
    acts = in_period(activity, "at", start, end)
    acts = acts.loc[acts["person_id"].isin(members)] if not acts.empty else acts
    kinds = acts["kind"] if not acts.empty else pd.Series(dtype="str")
    active = set(acts.loc[kinds.isin(ACTIVE_KINDS), "person_id"]) if not acts.empty else set()
    held = in_period(stops, "starts_at", start, end)
    invited = int(held["invited"].sum()) if not held.empty else 0
    attended = int(held["attended"].sum()) if not held.empty else 0
    return {
        "members": len(members),
        "active_members": len(active),
        "messages": count_of(acts, "message"),
        "stops_held": len(held),
        "attendance_rate": (attended / invited) if invited else None,
        "reflections": count_of(acts, "reflection"),
        "suppressed": False,
    }


def hide_small_groups(
    frame: pd.DataFrame, size_column: str, min_group: int = MIN_GROUP
) -> pd.DataFrame:
    """Blank every figure of rows whose group is smaller than ``min_group`` and mark
    them ``suppressed``, for tables of many groups (per unit, per network)."""
    out = frame.copy()
    small = out[size_column] < min_group
    figure_columns = [
        c for c in out.columns if c not in {"group", "unit", "network", "label", "code", "id"}
    ]
    out[figure_columns] = out[figure_columns].astype("object")
    out.loc[small, figure_columns] = None
    out["suppressed"] = small
    return out


# --- additions for the metrics pages (same definitions as above, per month and per group)


Bucket = tuple[str, Any, Any]


def monthly_participation(
    people: set[int],
    memberships: pd.DataFrame,
    activity: pd.DataFrame,
    stops: pd.DataFrame,
    buckets: list[Bucket],
    min_group: int = MIN_GROUP,
) -> list[dict[str, Any]]:
    """``participation`` for each (label, start, end) bucket, e.g. the months of a
    period (each bucket its own small-group check), with the label as ``month``."""
    return [
        {"month": label, **participation(people, memberships, activity, stops, s, e, min_group)}
        for label, s, e in buckets
    ]


def joins_per_month(
    people: set[int], memberships: pd.DataFrame, buckets: list[Bucket]
) -> list[dict[str, Any]]:
    """New network memberships of ``people`` in each bucket (joins, so one person
    joining two networks counts twice)."""
    out = []
    mine = (
        memberships.loc[memberships["person_id"].isin(people)]
        if not memberships.empty
        else memberships
    )
    for label, s, e in buckets:
        out.append({"month": label, "joins": len(in_period(mine, "joined_at", s, e))})
    return out


def share(part: int, whole: int, min_group: int = MIN_GROUP) -> dict[str, Any]:
    """part of whole as a share; hidden when either group is under ``min_group`` people
    (none at all is shown: it points at nobody)."""
    if whole < min_group or 0 < part < min_group:
        return {"count": None, "of": None, "share": None, "suppressed": True}
    return {
        "count": part,
        "of": whole,
        "share": part / whole if whole else None,
        "suppressed": False,
    }
