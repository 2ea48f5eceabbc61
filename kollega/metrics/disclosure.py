"""Disclosure control across every participation figure shown for a period (DESIGN.md,
participation): no figure may be worked out for 1 to 4 people by subtracting shown
figures of nested or overlapping groups, nor of overlapping periods.

The groups (cells) are ``(scope, key)``: ``scope`` is ``PERIOD`` (everyone's figures)
or a network id (the figures of that network's members in that network), ``key`` a
unit's subtree or the people placed directly in a unit (``analysis.unit_key`` and
``direct_key``). The figures an attacker can add and subtract (messages, reactions,
threads opened) obey two kinds of equation:

- the unit tree, in each scope: a unit = its child units + the people placed directly
  in it;
- the networks, for each key: everyone's figures = the sum over the networks (every
  message, reaction and thread is in a network), the networks' groups overlapping.

Time is the third way to subtract: the months of a period add up to it, and periods
overlap, so [1 Jan, 31 Dec] minus [1 Feb, 31 Dec] gives January. Periods are whole
months (``services.period``), ending at a month's end or today. The rule that closes
it: a group is *safe* when in each *window* of the period it had either no members or
at least ``min_group``: a window is a complete month from any of its days to its end
(``month_windows``), or a day of the running month. The arrays below are per day
index; at a complete month's days they count its windows. The figures of any
difference of two periods (whole months, a complete month minus the days of it shown
while it ran, days of the running month) are then about no one or about at least
``min_group`` people. So a
shown group must be safe, not only have 5 members over the whole period, and every
difference the equations leave (the group of the unknown parts) must be safe too; a
month of a shown group is then never a group of 1 to 4, and a month's figures are
hidden exactly where the period's are.

The attacker (``audit``) knows every shown figure and solves every equation with one
unknown, again and again; every figure it derives and every difference it is left
with must be about a safe group. Where one is not, the smallest shown figure the
attacker used is hidden too (a group with no parts first) and the attack runs again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from kollega.clock import OSLO
from kollega.metrics import analysis

PERIOD = "period"
Cell = tuple[Hashable, analysis.Key]
Equation = tuple[Cell, tuple[Cell, ...]]


def day_indices(stamps: pd.Series, first: dt.date) -> np.ndarray:
    """The Oslo calendar day of each naive-UTC stamp, counted from ``first`` (NaT: -1)."""
    return _from(local_days(stamps), first)


def local_days(stamps: pd.Series) -> np.ndarray:
    """The Oslo calendar day of each naive-UTC stamp (``datetime64[D]``, NaT kept)."""
    local = pd.to_datetime(stamps).dt.tz_localize("UTC").dt.tz_convert(OSLO)
    return local.dt.tz_localize(None).to_numpy().astype("datetime64[D]")


def _from(days: np.ndarray, first: dt.date) -> np.ndarray:
    out = (days - np.datetime64(first, "D")).astype("int64")
    return np.where(np.isnat(days), -1, out)


def member_days(
    ms: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    local: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Memberships that touch the days ``first`` .. ``last`` (Oslo), each as the first
    and last day index (``a``, ``b``) it covers, merged per person and network: a
    person is a member on day d when a membership began before d ended and had not
    ended before d began (as ``analysis.members_in_period`` for a one-day period).
    ``local``: ``local_days`` of ``joined_at`` and ``left_at`` when worked out already
    (a period and each of its months share them)."""
    n = (last - first).days + 1
    if ms.empty:
        return ms.assign(a=pd.Series(dtype="int64"), b=pd.Series(dtype="int64"))
    joined, left = local or (local_days(ms["joined_at"]), local_days(ms["left_at"]))
    a = _from(joined, first)
    b = _from(left, first)
    b = np.where(ms["left_at"].isna().to_numpy(), n - 1, b)
    keep = (a <= n - 1) & (b >= 0)
    out = ms.loc[keep, ["person_id", "unit_id", "network_id"]].copy()
    out["a"] = month_windows(np.clip(a[keep], 0, n - 1), first, last)
    out["b"] = np.clip(b[keep], 0, n - 1)
    return merge_intervals(out, ["network_id", "person_id"])


def month_windows(a: np.ndarray, first: dt.date, last: dt.date) -> np.ndarray:
    """First day indices ``a`` moved back to the first day of their month (not before
    ``first``) when the month is complete in the period (its last day no later than
    ``last``). An interval [a, b] then counts, at index d of a complete month, the
    people present from day d to the month's end (or to ``b``): its *windows* from each
    of its days to its end, the first being the whole month. A period ends at a month's
    end or today, so every difference of two periods, over time too (a month's figures
    minus those shown on one of its days while it ran), is such a window. Days of the
    running month stay days."""
    days = np.datetime64(first, "D") + a
    month = days.astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    end = (month + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    complete = end <= np.datetime64(last, "D")
    back = np.maximum((start - np.datetime64(first, "D")).astype("int64"), 0)
    return np.where(complete, back, a).astype("int64")


def merge_intervals(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows with overlapping day intervals [a, b] of the same ``keys`` merged into one
    (the other columns from the first row of each)."""
    if rows.empty:
        return rows
    a, b = rows["a"].to_numpy(), rows["b"].to_numpy()
    codes = [pd.factorize(rows[k], sort=True)[0] for k in keys]
    order = np.lexsort([a, *reversed(codes)])
    group = np.zeros(len(rows), dtype="int64")
    for c in codes:  # one number per key combination, in the sorted order
        group = group * (int(c.max()) + 1) + c
    group, a, b = group[order], a[order], b[order]
    # Within a group sorted by a, the furthest b so far; groups offset so it never leaks.
    span = int(b.max()) + 2
    _, dense = np.unique(group, return_inverse=True)
    reach = np.maximum.accumulate(b + dense * span) - dense * span
    first = np.r_[True, group[1:] != group[:-1]]
    starts = first | (a > np.r_[0, reach[:-1]])
    ends = np.r_[starts[1:], True]
    out = rows.iloc[order[starts]].copy()
    out["a"] = a[starts]
    out["b"] = reach[ends]
    return out.reset_index(drop=True)


def daily_counts(rows: pd.DataFrame, n: int) -> np.ndarray:
    """Distinct people per day of rows (person_id, a, b), whatever their network."""
    if rows.empty:
        return np.zeros(n, dtype="int64")
    merged = merge_intervals(rows[["person_id", "a", "b"]], ["person_id"])
    diff = np.zeros(n + 1, dtype="int64")
    np.add.at(diff, merged["a"].to_numpy(), 1)
    np.add.at(diff, merged["b"].to_numpy() + 1, -1)
    return np.cumsum(diff)[:n]


def unsafe(days: np.ndarray, min_group: int = analysis.MIN_GROUP) -> bool:
    """Whether on some day the group had 1 to ``min_group - 1`` members."""
    return bool(((days > 0) & (days < min_group)).any())


@dataclass
class Groups:
    """Every nonzero group of the period: its members per day and over the period."""

    paths: dict[int, str]
    rows: pd.DataFrame  # merged memberships: person_id, unit_id, network_id, a, b
    n: int
    days: dict[Cell, np.ndarray] = field(default_factory=dict)
    members: dict[Cell, int] = field(default_factory=dict)
    _cell_keys: dict[int, list[analysis.Key]] = field(default_factory=dict, repr=False)
    _once: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def _ancestors(self) -> dict[int, list[int]]:
        return {
            int(u): [int(x) for x in path.strip("/").split("/") if x]
            for u, path in self.paths.items()
        }

    def ancestors(self, unit_id: int) -> list[int]:
        return self._ancestors.get(int(unit_id), [])

    @cached_property
    def _subtrees(self) -> dict[int, np.ndarray]:
        # Each unit's path starts with the paths of the units above it, so the units
        # whose path starts with a unit's path are those with it among their ancestors:
        # one pass over the tree instead of a scan of every path per question.
        below: dict[int, list[int]] = {}
        for u, path in self.paths.items():
            for a in {int(x) for x in path.strip("/").split("/") if x} | {int(u)}:
                below.setdefault(a, []).append(int(u))
        return {a: np.array(sorted(us), dtype="int64") for a, us in below.items()}

    def subtree(self, key: analysis.Key) -> np.ndarray:
        kind, uid = key
        if kind == "direct":
            return np.array([uid], dtype="int64")
        if uid not in self.paths:
            return np.array([], dtype="int64")
        return self._subtrees.get(int(uid), np.array([], dtype="int64"))

    @cached_property
    def columns(self) -> dict[str, np.ndarray]:
        return {
            c: self.rows[c].to_numpy() for c in ("person_id", "unit_id", "network_id", "a", "b")
        }

    @cached_property
    def _rows_by_unit(self) -> dict[int, np.ndarray]:
        """The rows of each unit's people (their indices), found once for every union."""
        units = self.columns["unit_id"].astype("int64")
        order = np.argsort(units, kind="stable")
        found, starts = np.unique(units[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        return {int(u): order[bounds[i] : bounds[i + 1]] for i, u in enumerate(found.tolist())}

    def cell_keys(self, unit_id: int) -> list[analysis.Key]:
        """The groups a unit's own people count in: "directly in" it and every
        ancestor's subtree (the same for every scope, so worked out once per unit)."""
        if unit_id not in self._cell_keys:
            self._cell_keys[unit_id] = [analysis.direct_key(unit_id)] + [
                analysis.unit_key(a) for a in self.ancestors(unit_id)
            ]
        return self._cell_keys[unit_id]

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        """What ``make`` works out from these groups alone, worked out once."""
        if name not in self._once:
            self._once[name] = make()
        return self._once[name]

    def union_days(self, cells: list[Cell]) -> np.ndarray:
        """Members per day of the union of the cells' groups (people counted once)."""
        col = self.columns
        by_unit = self._rows_by_unit
        parts = []
        for scope, key in cells:
            rows = [by_unit[u] for u in self.subtree(key).tolist() if u in by_unit]
            if not rows:
                continue
            mine = np.concatenate(rows)
            if scope != PERIOD:
                mine = mine[col["network_id"][mine] == scope]
            parts.append(mine)
        picked = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype="int64")
        people, who = np.unique(col["person_id"][picked], return_inverse=True)
        diff = np.zeros((len(people), self.n + 1), dtype="int64")
        np.add.at(diff, (who, col["a"][picked]), 1)
        np.add.at(diff, (who, col["b"][picked] + 1), -1)
        return (np.cumsum(diff, axis=1)[:, : self.n] > 0).sum(axis=0)  # type: ignore[no-any-return]


def unit_tree_of(g: Groups) -> dict[analysis.Key, list[analysis.Key]]:
    """``analysis.unit_tree`` of the groups' units, worked out once per audit."""
    return g.once("tree", lambda: analysis.unit_tree(g.paths))


def groups(
    paths: dict[int, str],
    ms: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    local: tuple[np.ndarray, np.ndarray] | None = None,
) -> Groups:
    """Members per day and over the period of every group with any: per unit subtree and
    per people placed directly in a unit, for everyone and per network. A day's count is
    kept up to ``CAP`` (uint8): whether a sum of groups has 1 to 4 members on a day only
    depends on counts below 5. ``local``: as ``member_days``'."""
    return groups_of(paths, member_days(ms, first, last, local), first, last)


def groups_of(paths: dict[int, str], rows: pd.DataFrame, first: dt.date, last: dt.date) -> Groups:
    """``groups`` from the memberships' days already worked out (``member_days``)."""
    n = (last - first).days + 1
    rows = rows.loc[rows["unit_id"].isin(paths)] if not rows.empty else rows
    out = Groups(paths, rows, n)
    if rows.empty:
        return out
    everyone = merge_intervals(rows.assign(network_id=PERIOD), ["person_id"])
    _scope_groups(out, PERIOD, *_columns_of(everyone))
    # Each network's rows as slices of arrays sorted by network (not a frame per group).
    in_network = rows.loc[rows["network_id"].notna()]
    network = in_network["network_id"].to_numpy().astype("int64")
    order = np.argsort(network, kind="stable")
    found, starts = np.unique(network[order], return_index=True)
    columns = [c[order] for c in _columns_of(in_network)]
    bounds = [*starts.tolist(), len(order)]
    for i, scope in enumerate(found.tolist()):  # one scope at a time: memory of its groups
        part = slice(bounds[i], bounds[i + 1])
        _scope_groups(out, int(scope), *(c[part] for c in columns))
    return out


def _columns_of(rows: pd.DataFrame) -> list[np.ndarray]:
    return [rows[c].to_numpy().astype("int64") for c in ("unit_id", "person_id", "a", "b")]


CAP = 255


def _scope_groups(
    out: Groups,
    scope: Hashable,
    unit_ids: np.ndarray,
    people: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> None:
    """The groups of one scope (its rows' units, people and first and last days): each
    unit's own members per day added to its "directly in" group and to every ancestor's
    subtree."""
    n = out.n
    units, where = np.unique(unit_ids, return_inverse=True)
    diff = np.zeros((len(units), n + 1), dtype="int32")
    np.add.at(diff, (where, a), 1)
    np.add.at(diff, (where, b + 1), -1)
    own_days = np.cumsum(diff, axis=1)[:, :n]
    _, once = np.unique(where * (int(people.max()) + 1) + people, return_index=True)
    own_members = np.bincount(where[once], minlength=len(units))
    cells: dict[Cell, int] = {}
    unit_of, cell_of = [], []
    for i, uid in enumerate(units.tolist()):
        for key in out.cell_keys(uid):
            unit_of.append(i)
            cell_of.append(cells.setdefault((scope, key), len(cells)))
    order = np.argsort(cell_of, kind="stable")
    cell_sorted = np.asarray(cell_of)[order]
    bounds = np.flatnonzero(np.r_[True, cell_sorted[1:] != cell_sorted[:-1]])
    picked = np.asarray(unit_of)[order]
    summed = np.minimum(np.add.reduceat(own_days[picked], bounds, axis=0), CAP).astype("uint8")
    members = np.add.reduceat(own_members[picked], bounds)
    for cell, index in cells.items():
        out.days[cell] = summed[index]
        out.members[cell] = int(members[index])


def equations(g: Groups) -> list[Equation]:
    """Every sum an attacker can use, over the groups with members (a group without
    any is a known zero and left out)."""
    out: list[Equation] = []
    tree = unit_tree_of(g)
    scopes = {scope for scope, _key in g.days}
    for scope in sorted(scopes, key=str):
        for total, parts in tree.items():
            if (scope, total) not in g.days:
                continue
            cells = tuple((scope, p) for p in parts if (scope, p) in g.days)
            out.append(((scope, total), cells))
    by_key: dict[analysis.Key, list[Cell]] = {}
    for scope, key in g.days:
        if scope != PERIOD:
            by_key.setdefault(key, []).append((scope, key))
    for key, cells in sorted(by_key.items()):
        if (PERIOD, key) in g.days:
            out.append(((PERIOD, key), tuple(sorted(cells, key=str))))
    return out


def shown_cells(g: Groups) -> set[Cell]:
    """The groups whose figures a page, the API or an export shows: every unit's and
    the people placed directly in a unit, for everyone; a unit's per network (the
    people placed directly in a unit are not shown per network)."""
    return {c for c in g.days if c[0] == PERIOD or c[1][0] == "unit"}


@dataclass
class Attack:
    """What the attacker learns from the shown cells: the cells it derives (with the
    equation each came from) and the violations (an equation, and the group it leaves
    that is not safe)."""

    known: set[Cell]
    derived_by: dict[Cell, Equation]
    violations: list[tuple[Equation, tuple[Cell, ...]]]


def uses_of(eqs: list[Equation]) -> dict[Cell, list[int]]:
    """The equations each cell is in, by index."""
    uses: dict[Cell, list[int]] = {}
    for i, (total, parts) in enumerate(eqs):
        for c in (total, *parts):
            uses.setdefault(c, []).append(i)
    return uses


def attack(
    g: Groups,
    eqs: list[Equation],
    shown: set[Cell],
    union: Callable[[Equation, tuple[Cell, ...]], np.ndarray],
    min_group: int = analysis.MIN_GROUP,
    uses: dict[Cell, list[int]] | None = None,
) -> Attack:
    """Solve every equation with one unknown until nothing more follows; then every
    equation with a known total leaves its unknown parts: a violation where their group
    is not safe, as is every derived group that is not. ``uses``: ``uses_of(eqs)``."""
    known = set(shown)
    derived_by: dict[Cell, Equation] = {}
    violations: list[tuple[Equation, tuple[Cell, ...]]] = []
    # A work list: each equation's count of unknowns, lowered as its cells become known.
    uses = uses if uses is not None else uses_of(eqs)
    missing = [sum(1 for c in (total, *parts) if c not in known) for total, parts in eqs]
    todo = [i for i, m in enumerate(missing) if m == 1]
    while todo:
        i = todo.pop()
        if missing[i] != 1:
            continue
        eq = eqs[i]
        (cell,) = [c for c in (eq[0], *eq[1]) if c not in known]
        known.add(cell)
        derived_by[cell] = eq
        if unsafe(g.days[cell], min_group):
            violations.append((eq, (cell,)))
        for j in uses[cell]:
            missing[j] -= 1
            if missing[j] == 1:
                todo.append(j)
    for eq in eqs:
        total, parts = eq
        left = tuple(p for p in parts if p not in known)
        if total in known and len(left) > 1 and unsafe(union(eq, left), min_group):
            violations.append((eq, left))
    return Attack(known, derived_by, violations)


def audit(g: Groups, min_group: int = analysis.MIN_GROUP) -> dict[Cell, str]:
    """Which shown groups to hide and why: ``SMALL_GROUP`` under ``min_group`` members
    in the period, ``SUBTRACTION`` when hidden so that no difference of shown figures
    (of groups, or of periods) is about 1 to ``min_group - 1`` people."""
    eqs = equations(g)
    shown = shown_cells(g)
    hidden: dict[Cell, str] = {}
    for cell in shown:
        if g.members[cell] < min_group:
            hidden[cell] = analysis.SMALL_GROUP
        elif unsafe(g.days[cell], min_group):
            hidden[cell] = analysis.SUBTRACTION
    totals = {eq[0] for eq in eqs}
    uses = uses_of(eqs)
    # A unit without units below is the people placed directly in it (its units table
    # shows them as a row of their own): one group, hidden together.
    parents = {key[1] for key in unit_tree_of(g)}
    twins: dict[Cell, Cell] = {}
    for scope, (kind, uid) in shown:
        if uid not in parents:
            other = (
                scope,
                (analysis.direct_key(uid) if kind == "unit" else analysis.unit_key(uid)),
            )
            if other in shown:
                twins[(scope, (kind, uid))] = other

    unions: dict[tuple[Cell, ...], np.ndarray] = {}

    def union(eq: Equation, cells: tuple[Cell, ...]) -> np.ndarray:
        if cells not in unions:
            if eq[0][0] != PERIOD or eq[1][0][0] == PERIOD:  # a tree: disjoint parts
                unions[cells] = np.sum([g.days[c] for c in cells], axis=0)
            else:
                unions[cells] = overlapping_union(g, cells, min_group)
        return unions[cells]

    def rank(cell: Cell) -> tuple[Any, ...]:
        return (cell in totals, g.members[cell], str(cell))

    while True:
        found = attack(g, eqs, {c for c in shown if c not in hidden}, union, min_group, uses)
        if not found.violations:
            return hidden
        touched: set[Cell] = set()
        for eq, _left in found.violations:
            if touched & {eq[0], *eq[1]}:
                continue  # an earlier fix in this round may already cover it
            cell = _blocker(eq, found, shown, hidden, rank, touched)
            if cell is None:
                continue
            for one in (cell, twins.get(cell)):
                if one is not None:
                    hidden[one] = hidden.get(one, analysis.SUBTRACTION)
                    touched.add(one)
        if not touched:
            return hidden


def overlapping_union(g: Groups, cells: tuple[Cell, ...], min_group: int) -> np.ndarray:
    """Members per day of overlapping groups (one key, many networks): bounded by the
    largest and the sum first, counted person by person only when that decides."""
    stack = np.stack([g.days[c] for c in cells])
    total, largest = stack.sum(axis=0), stack.max(axis=0)
    if unsafe(total, min_group):
        return total  # 1..4 together on a day where the sum is 1..4
    if not ((total > 0) & (largest < min_group)).any():
        return largest  # each day with any has a group of 5 or more already
    return g.union_days(list(cells))


def _blocker(
    eq: Equation,
    found: Attack,
    shown: set[Cell],
    hidden: dict[Cell, str],
    rank: Callable[[Cell], tuple[Any, ...]],
    touched: set[Cell],
) -> Cell | None:
    """A shown figure to hide so the attacker cannot use ``eq`` as it did: the smallest
    shown part; else one used to work out a part the attacker derived (following the
    derivations back); else the total of the first equation with one shown (none when a
    figure hidden in this round already breaks the chain)."""
    seen: set[Equation] = set()
    todo = [eq]
    totals: list[Cell] = []
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        total, parts = current
        if touched & {total, *parts}:
            return None
        visible = [p for p in parts if p in shown and p not in hidden]
        if visible:
            return min(visible, key=rank)
        if total in shown and total not in hidden:
            totals.append(total)
        for cell in (*parts, total):
            if cell in found.derived_by:
                todo.append(found.derived_by[cell])
    return totals[0] if totals else None
