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

import numpy as np
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


def members_by(memberships: pd.DataFrame, column: str, start: Any, end: Any) -> pd.DataFrame:
    """(group, person_id): who belonged at some time in [start, end) to each value of
    ``column`` (as ``members_in_period``, one group per value), once each."""
    if memberships.empty:
        return pd.DataFrame({"group": [], "person_id": []})
    joined = _naive(memberships["joined_at"])
    left = _naive(memberships["left_at"])
    rows = memberships.loc[(joined < _ts(end)) & (left.isna() | (left >= _ts(start)))]
    return pd.DataFrame(
        {"group": rows[column].to_numpy(), "person_id": rows["person_id"].astype("int64")}
    ).drop_duplicates()


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
    labels = [label for label, _s, _e in buckets]
    members = members_per_bucket(people, memberships, buckets)
    acts = activity.assign(group=bucket_of(activity["at"], buckets))
    held = stops.assign(group=bucket_of(stops["starts_at"], buckets))
    figures = grouped_participation(members, acts, held, labels, min_group)
    extra = ("reactions", "threads")
    return [
        {"month": label, **{k: v for k, v in figures[label].items() if k not in extra}}
        for label in labels
    ]


def joins_per_month(
    people: set[int], memberships: pd.DataFrame, buckets: list[Bucket]
) -> list[dict[str, Any]]:
    """New network memberships of ``people`` in each bucket (joins, so one person
    joining two networks counts twice)."""
    if memberships.empty:
        return [{"month": label, "joins": 0} for label, _s, _e in buckets]
    mine = memberships.loc[memberships["person_id"].isin(people)]
    counts = bucket_of(mine["joined_at"], buckets).value_counts().to_dict()
    return [{"month": label, "joins": int(counts.get(label, 0))} for label, _s, _e in buckets]


def grouped_participation(
    members: pd.DataFrame,
    activity: pd.DataFrame,
    stops: pd.DataFrame,
    groups: list[Any],
    min_group: int = MIN_GROUP,
) -> dict[Any, dict[str, Any]]:
    """``participation`` of many groups at once, with each group's reactions and
    threads opened: one pass over the frames instead of one per group.

    ``members`` (group, person_id) holds each group's members in its window;
    ``activity`` (group, person_id, kind, and a count ``n`` when aggregated in SQL) the
    rows in its window, anyone's (only the group's members count); ``stops`` (group,
    invited, attended) the group's stops held in its window. A group under
    ``min_group`` members has every figure hidden, reactions and threads too."""
    # The groups as their positions in ``groups``: one integer key whatever the labels.
    codes = {group: i for i, group in enumerate(groups)}
    members = _coded(members, codes)[["group", "person_id"]].drop_duplicates()
    sizes = members.groupby("group").size().to_dict()
    acts = _coded(activity if "n" in activity.columns else activity.assign(n=1), codes)
    mine = acts[["group", "person_id", "kind", "n"]].merge(members, on=["group", "person_id"])
    sums = mine.groupby(["group", "kind"])["n"].sum().to_dict()
    active = (
        mine.loc[mine["kind"].isin(ACTIVE_KINDS), ["group", "person_id"]]
        .drop_duplicates()
        .groupby("group")
        .size()
        .to_dict()
    )
    held = (
        _coded(stops, codes)
        .groupby("group")
        .agg(held=("invited", "size"), invited=("invited", "sum"), attended=("attended", "sum"))
    )
    held_of = held.to_dict("index")
    out: dict[Any, dict[str, Any]] = {}
    for code, group in enumerate(groups):
        n = int(sizes.get(code, 0))
        if n < min_group:
            out[group] = {**suppressed(), "reactions": None, "threads": None}
            continue
        stop = held_of.get(code, {"held": 0, "invited": 0, "attended": 0})
        invited, attended = int(stop["invited"]), int(stop["attended"])
        out[group] = {
            "members": n,
            "active_members": int(active.get(code, 0)),
            "messages": int(sums.get((code, "message"), 0)),
            "stops_held": int(stop["held"]),
            "attendance_rate": (attended / invited) if invited else None,
            "reflections": int(sums.get((code, "reflection"), 0)),
            "suppressed": False,
            "reactions": int(sums.get((code, "reaction"), 0)),
            "threads": int(sums.get((code, "thread"), 0)),
        }
    return out


def _coded(frame: pd.DataFrame, codes: dict[Any, int]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``group`` is one of ``codes``, the group as its code."""
    if frame.empty:
        return frame.assign(group=pd.Series(dtype="int64"))
    group = frame["group"].map(codes)
    rows = frame.loc[group.notna()]
    return rows.assign(group=group[group.notna()].astype("int64"))


def bucket_of(at: pd.Series, buckets: list[Bucket]) -> pd.Series:
    """The label of the (label, start, end) bucket each time falls in (None outside
    them); the buckets are in order and do not overlap."""
    labels = np.array([label for label, _s, _e in buckets] + [None], dtype=object)
    if at.empty or not buckets:
        return pd.Series([], index=at.index, dtype=object)
    values = _naive(at).to_numpy()
    starts = np.array([_ts(s).to_datetime64() for _l, s, _e in buckets])
    ends = np.array([_ts(e).to_datetime64() for _l, _s, e in buckets])
    index = np.searchsorted(starts, values, side="right") - 1
    inside = (index >= 0) & (values < ends[np.clip(index, 0, None)])
    return pd.Series(labels[np.where(inside, index, len(buckets))], index=at.index)


def members_per_bucket(
    people: set[int], memberships: pd.DataFrame, buckets: list[Bucket]
) -> pd.DataFrame:
    """(group, person_id): the people of ``people`` who belonged to a network at some
    time in each bucket, the bucket's label as the group."""
    if memberships.empty:
        return pd.DataFrame({"group": [], "person_id": []})
    mine = memberships.loc[memberships["person_id"].isin(people)]
    joined = _naive(mine["joined_at"]).to_numpy()
    left = _naive(mine["left_at"])
    open_ = left.isna().to_numpy()
    left_values = left.to_numpy()
    ids = mine["person_id"].to_numpy(dtype="int64")
    parts = []
    for label, s, e in buckets:
        start, end = _ts(s).to_datetime64(), _ts(e).to_datetime64()
        mask = (joined < end) & (open_ | (left_values >= start))
        parts.append(pd.DataFrame({"group": label, "person_id": np.unique(ids[mask])}))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"group": [], "person_id": []})
    )


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


# --- secondary suppression (DESIGN.md, participation) ----------------------------------
#
# Groups nest: a unit's subtree is the sum of its child units' subtrees and of the
# people placed directly in it. A shown total minus the shown figures of its parts
# gives the figures of the parts that are hidden; where those hidden parts together
# have fewer than ``min_group`` members (but any at all: none points at nobody, as in
# ``share``), the difference would expose a small group, so more parts are hidden
# until it does not.

SMALL_GROUP = "small_group"
SUBTRACTION = "subtraction"

Key = tuple[str, int]


def unit_key(unit_id: int) -> Key:
    return ("unit", int(unit_id))


def direct_key(unit_id: int) -> Key:
    """The people placed directly in a unit that has units below it."""
    return ("direct", int(unit_id))


def secondary_suppression(
    parts: dict[Key, list[Key]],
    members: dict[Key, int],
    min_group: int = MIN_GROUP,
) -> dict[Key, str]:
    """Which groups to hide and why: ``SMALL_GROUP`` when a group has fewer than
    ``min_group`` members, ``SUBTRACTION`` when it is hidden only so that no shown
    figure minus other shown figures gives a group of fewer than ``min_group``.

    ``parts`` maps a group to the groups that partition its people (a group without an
    entry has none); ``members`` is each group's members count. For every shown group
    the attacker subtracts every shown part, and of a hidden part its shown parts, and
    so on down: what is left (the residual) must have no members or at least
    ``min_group``. Where it does not, the smallest shown group the attacker
    subtracted is hidden too (one without parts first: hiding a group whose parts are
    shown takes nothing away from the attacker), and the check runs again.
    """
    hidden: dict[Key, str] = {k: SMALL_GROUP for k, n in members.items() if n < min_group}

    def expand(node: Key) -> tuple[int, list[Key]]:
        residual = 0
        frontier: list[Key] = []
        for part in parts.get(node, []):
            if part not in hidden:
                frontier.append(part)
            elif parts.get(part):
                m, f = expand(part)
                residual += m
                frontier += f
            else:
                residual += members.get(part, 0)
        return residual, frontier

    changed = True
    while changed:
        changed = False
        for total in sorted(parts):
            if total in hidden or not parts[total]:
                continue
            residual, frontier = expand(total)
            if residual == 0 or residual >= min_group:
                continue
            if not frontier:  # the parts do not add up to the total: hide it
                hidden[total] = SUBTRACTION
            else:
                frontier.sort(key=lambda k: (bool(parts.get(k)), members.get(k, 0), k))
                hidden[frontier[0]] = SUBTRACTION
            changed = True
    return hidden


def unit_tree(paths: dict[int, str]) -> dict[Key, list[Key]]:
    """The partition of each unit with units below it: its child units and the people
    placed directly in it. ``paths`` are materialised paths ("/1/4/17/") of every unit."""
    children: dict[int, list[int]] = {}
    for uid, path in paths.items():
        ids = [int(x) for x in path.strip("/").split("/") if x]
        if len(ids) > 1:
            children.setdefault(ids[-2], []).append(int(uid))
    return {
        unit_key(u): [unit_key(c) for c in sorted(kids)] + [direct_key(u)]
        for u, kids in children.items()
    }


def subtree_counts(paths: dict[int, str], own: dict[int, int]) -> dict[Key, int]:
    """Counts per unit subtree (and per "directly in" group) from counts per unit."""
    out: dict[Key, int] = {unit_key(u): 0 for u in paths}
    for uid, n in own.items():
        if uid not in paths:
            continue
        out[direct_key(uid)] = out.get(direct_key(uid), 0) + int(n)
        for a in (int(x) for x in paths[uid].strip("/").split("/") if x):
            if unit_key(a) in out:
                out[unit_key(a)] += int(n)
    for uid in paths:
        out.setdefault(direct_key(uid), 0)
    return out


def tree_suppression(
    paths: dict[int, str], own_members: dict[int, int], min_group: int = MIN_GROUP
) -> dict[Key, str]:
    """``secondary_suppression`` over the unit tree, from members counts per unit."""
    return secondary_suppression(unit_tree(paths), subtree_counts(paths, own_members), min_group)


def hide(row: dict[str, Any], reason: str, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The row with every figure blanked (but those in ``keep``), marked suppressed with
    the reason."""
    out = {k: (v if k in keep else None) for k, v in row.items()}
    out["suppressed"] = True
    out["suppressed_reason"] = reason
    return out
