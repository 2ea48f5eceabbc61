"""HR metrics: participation and gap closure for a unit's subtree and a period.

Aggregates only: every figure comes from ``metrics.analysis`` (participation) or
``gaps.analysis`` (closure) on frames from ``metrics.queries`` and ``gaps.queries``;
any figure that stands for fewer than five people is hidden (``suppressed: true``).
Nothing here reads message contents.

A period is given as dates or months ``from`` and ``to`` (both included) in
Europe/Oslo, snapped to whole months (``period``); the figures use [from 00:00, the
day after ``to`` 00:00) in Oslo time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from kollega import clock, permissions
from kollega.audit.services import record
from kollega.clock import OSLO
from kollega.errors import ValidationError
from kollega.gaps.kept import Kept
from kollega.metrics import analysis, disclosure, queries, stored_audits
from kollega.org.models import OrgUnit, Person
from kollega.org.services import root_units

MAX_DAYS = 3 * 366
MAX_CLOSURE_MONTHS = 24


@dataclass(frozen=True)
class Period:
    """Dates ``start`` .. ``end`` (both included), Oslo time."""

    start: dt.date
    end: dt.date

    @property
    def start_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), OSLO).astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        after = self.end + dt.timedelta(days=1)
        return dt.datetime.combine(after, dt.time(), OSLO).astimezone(dt.UTC)

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def months(self) -> list[tuple[str, dt.datetime, dt.datetime]]:
        """('YYYY-MM', start, end) in UTC for each Oslo calendar month of the period,
        clipped to it."""
        out = []
        first = self.start.replace(day=1)
        while first <= self.end:
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
            s = max(first, self.start)
            e = min(nxt, self.end + dt.timedelta(days=1))
            out.append(
                (
                    first.strftime("%Y-%m"),
                    dt.datetime.combine(s, dt.time(), OSLO).astimezone(dt.UTC),
                    dt.datetime.combine(e, dt.time(), OSLO).astimezone(dt.UTC),
                )
            )
            first = nxt
        return out


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def period(start: dt.date | None, end: dt.date | None, now: dt.date | None = None) -> Period:
    """The period asked for, in whole months (docs/DISCLOSURE.md): ``start`` snapped to
    the first of its month, ``end`` to the last day of its month or to today when that
    is earlier (the running month); by default the last twelve whole months and this
    month."""
    now = now or clock.today()
    end = min(month_end(end or now), now)
    if start is None:
        first = end.replace(day=1)
        start = (pd.Timestamp(first) - pd.DateOffset(months=11)).date()
    start = start.replace(day=1)
    if end < start:
        raise ValidationError(
            _l("The end date must not be before the start date."),
            fields={"to": _l("Must not be before the start date.")},
        )
    if (end - start).days > MAX_DAYS:
        raise ValidationError(
            _l("Choose a period of at most three years."),
            fields={"from": _l("At most three years before the end date.")},
        )
    return Period(start, end)


def month_or_date(raw: str) -> dt.date:
    """A month (YYYY-MM, its first day) or a date (YYYY-MM-DD) from a query string; a
    ValueError when it is neither or outside 1900..2200."""
    raw = raw.strip()
    value = dt.date.fromisoformat(f"{raw}-01" if len(raw) == 7 else raw)
    if not clock.DATE_RANGE[0] <= value <= clock.DATE_RANGE[1]:
        raise ValueError(raw)
    return value


def check(actor: Person, unit: OrgUnit) -> None:
    """HR for any unit, a leader for the units they lead (and below); others 403."""
    permissions.require(
        permissions.can_view_metrics(actor, unit),
        _l("Only HR and the unit's leaders see its metrics."),
    )


def default_unit(actor: Person) -> OrgUnit | None:
    """HR opens on the municipality, a leader on the first unit they lead."""
    if permissions.is_hr(actor):
        roots = root_units()
        if roots:
            return roots[0]
    return actor.led_units[0] if actor.led_units else None


def audit(actor: Person, unit: OrgUnit, view: str, p: Period | None = None, **extra: Any) -> None:
    """Write HR's views and exports of metrics to the audit log (never any figures)."""
    if not permissions.is_hr(actor):
        return
    details: dict[str, Any] = {"view": view, "unit": unit.code, **extra}
    if p is not None:
        details.update(p.as_json())
    record("metrics.view", actor.id, "org_unit", unit.id, **details)


# --- participation -----------------------------------------------------------------------


def period_frames(unit: OrgUnit, p: Period) -> queries.ParticipationFrames:
    """The participation frames of the unit's subtree and the period, read once per
    request (a page shows several tables of them)."""
    key = (unit.id, p.start, p.end)
    if has_request_context():
        cache = g.setdefault("metrics_frames", {})
        if key not in cache:
            cache[key] = queries.participation_frames(unit, p.start_utc, p.end_utc)
        return cache[key]  # type: ignore[no-any-return]
    return queries.participation_frames(unit, p.start_utc, p.end_utc)


# The audit of a period depends only on the memberships, the unit tree, the period and
# today (the running month's days), and costs a second or more at 6,500 employees; every
# page, export and API call of the same period asks for it, so each process keeps the
# last few, keyed on those inputs themselves (a changed membership is a new key).
AUDITS_KEPT = 32
_AUDITS: Kept[dict[disclosure.Cell, str]] = Kept(AUDITS_KEPT)


def _audit_key(p: Period, paths: dict[int, str], ms: pd.DataFrame) -> tuple[Any, ...]:
    rows = pd.util.hash_pandas_object(ms.sort_index(axis=1), index=False).to_numpy()
    digest = hashlib.blake2b(rows.tobytes(), digest_size=16).hexdigest()
    tree = hashlib.blake2b(repr(sorted(paths.items())).encode(), digest_size=16).hexdigest()
    return (p.start, p.end, clock.today(), tree, digest, len(ms))


@dataclass
class Suppression:
    """Which groups' participation figures are hidden in a period, and why, over the
    whole unit tree and every network at once (``disclosure.audit``: no figure of a
    group, of a difference of groups or of a difference of periods is about 1 to 4
    people), and for the leaders among the members (``analysis.tree_suppression``).
    A month's figures are hidden where the period's are: a group shown for the period
    had no month with 1 to 4 members (``disclosure.month_windows``), so none of its
    months is a small group. Every page,
    API call, export and the scorecard asks this one object, so a figure hidden in one
    place is hidden in all. Worked out when first asked for."""

    def __init__(self, p: Period, paths: dict[int, str], ms: pd.DataFrame) -> None:
        self.p, self.paths, self.ms = p, paths, ms
        self._trees: dict[Any, dict[analysis.Key, str]] = {}
        self._cells: dict[disclosure.Cell, str] | None = None

    def _tree(self, key: Any, frame: pd.DataFrame, start: Any, end: Any) -> dict[analysis.Key, str]:
        if key not in self._trees:
            own = _own_members(frame, start, end)
            self._trees[key] = analysis.tree_suppression(self.paths, own)
        return self._trees[key]

    @property
    def cells(self) -> dict[disclosure.Cell, str]:
        """Every hidden (scope, group) of the period with its reason: hidden in the
        period's audit or in the audit of one of its months (as if asked for alone).
        A figure shown for the period is then shown in each of its months, so what the
        periods' figures give an attacker the months' own answers give too, and those
        are audited one by one: a group hidden to protect another in one period is not
        summed back from the months or periods around it."""
        if self._cells is None:
            ms = self.ms.drop(columns=["leader"], errors="ignore")
            key = _audit_key(self.p, self.paths, ms)
            self._cells = _AUDITS.get_or_make(key, lambda: self._stored_or_made(key, ms))
        return self._cells

    def _stored_or_made(self, key: tuple[Any, ...], ms: pd.DataFrame) -> dict[disclosure.Cell, str]:
        cells = stored_audits.read(key)
        if cells is None:
            cells = self._audit(ms)
            stored_audits.write(key, self.p.start, self.p.end, cells)
        return cells

    def _audit(self, ms: pd.DataFrame) -> dict[disclosure.Cell, str]:
        local = (
            (disclosure.local_days(ms["joined_at"]), disclosure.local_days(ms["left_at"]))
            if not ms.empty
            else None
        )
        found = disclosure.groups(self.paths, ms, self.p.start, self.p.end, local)
        cells = disclosure.audit(found)
        tree = hashlib.blake2b(repr(sorted(self.paths.items())).encode(), digest_size=16)
        for _label, s, e in self.p.months() if len(self.p.months()) > 1 else []:
            first = s.astimezone(OSLO).date()
            last = (e.astimezone(OSLO) - dt.timedelta(days=1)).date()
            for cell in _month_audit(self.paths, tree.hexdigest(), ms, first, last, local):
                cells.setdefault(cell, analysis.SUBTRACTION)
        return cells

    def unit(self, unit_id: int) -> str | None:
        return self.cells.get((disclosure.PERIOD, analysis.unit_key(unit_id)))

    def direct(self, unit_id: int) -> str | None:
        return self.cells.get((disclosure.PERIOD, analysis.direct_key(unit_id)))

    def leader_share(self, unit_id: int) -> str | None:
        ms = self.ms.loc[self.ms["leader"]] if not self.ms.empty else self.ms
        tree = self._tree("leaders", ms, self.p.start_utc, self.p.end_utc)
        return tree.get(analysis.unit_key(unit_id))

    def month(self, label: str, unit_id: int) -> str | None:
        if label not in {m for m, _s, _e in self.p.months()}:
            return analysis.SMALL_GROUP
        return self.unit(unit_id)

    def network(self, network_id: int, unit_id: int) -> str | None:
        return self.cells.get((int(network_id), analysis.unit_key(unit_id)))


# A month's audit depends only on the memberships' days within it: a join or a leave
# today changes the running month's and the period's, not those of the months before,
# so each month's audit is kept on its own and a change works out two audits, not 13.
_MONTH_AUDITS: Kept[dict[disclosure.Cell, str]] = Kept(64)


def _month_audit(
    paths: dict[int, str],
    tree: str,
    ms: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    local: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[disclosure.Cell, str]:
    """``disclosure.audit`` of the days ``first`` .. ``last``, kept on their inputs
    (``local``: the memberships' Oslo days, as ``disclosure.member_days``')."""
    rows = disclosure.member_days(ms, first, last, local)
    digest = pd.util.hash_pandas_object(rows.sort_index(axis=1), index=False).to_numpy()
    key = (first, last, tree, hashlib.blake2b(digest.tobytes(), digest_size=16).hexdigest())
    return _MONTH_AUDITS.get_or_make(
        key, lambda: disclosure.audit(disclosure.groups_of(paths, rows, first, last))
    )


def _own_members(ms: pd.DataFrame, start: Any, end: Any) -> dict[int, int]:
    """Members per unit (people placed in it, not below) of ``ms`` in [start, end)."""
    if ms.empty:
        return {}
    joined, left = ms["joined_at"], ms["left_at"]
    rows = ms.loc[(joined < analysis._ts(end)) & (left.isna() | (left >= analysis._ts(start)))]
    counts = rows.drop_duplicates("person_id").groupby("unit_id")["person_id"].count()
    return {int(k): int(v) for k, v in counts.items()}


def suppression(p: Period) -> Suppression:
    """The suppression of every group for the period (read once per request)."""
    key = ("suppression", p.start, p.end)
    cache = g.setdefault("metrics_frames", {}) if has_request_context() else {}
    if key in cache:
        return cache[key]  # type: ignore[no-any-return]
    paths, ms = queries.tree_frames(p.end_utc)
    result = Suppression(p, paths, ms)
    cache[key] = result
    return result


def warm_audit(p: Period) -> bool:
    """Work out and store the audit of ``p`` for every process (``stored_audits``) unless
    it is stored already; whether it was worked out."""
    paths, ms = queries.tree_frames(p.end_utc)
    ms = ms.drop(columns=["leader"])
    key = _audit_key(p, paths, ms)
    if stored_audits.exists(key):
        return False
    cells = Suppression(p, paths, ms)._audit(ms)
    stored_audits.write(key, p.start, p.end, cells)
    _AUDITS.put(key, cells)
    return True


def reason_text(reason: str | None) -> str | None:
    """The reason a figure is hidden, for people."""
    if reason == analysis.SMALL_GROUP:
        return str(_l("hidden: under 5 members"))
    if reason == analysis.SUBTRACTION:
        return str(_l("hidden: with the figures shown beside it, it would reveal a group under 5"))
    return None


def _apply(row: dict[str, Any], reason: str | None, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The row hidden for ``reason`` (figures blank), or as it is with no reason."""
    if reason is None and not row.get("suppressed"):
        return {**row, "suppressed_reason": None, "suppressed_note": None}
    reason = row.get("suppressed_reason") or reason or analysis.SMALL_GROUP
    if row.get("suppressed") and reason == analysis.SUBTRACTION:
        reason = analysis.SMALL_GROUP  # small in itself: that is the first reason
    out = analysis.hide(row, reason, keep)
    out["suppressed_note"] = reason_text(reason)
    return out


def _unit_figures(
    frames: queries.ParticipationFrames,
    groups: pd.DataFrame,
    stops: pd.DataFrame,
    p: Period,
    targets: list[Any],
) -> dict[Any, dict[str, Any]]:
    """DESIGN.md's participation figures plus reactions, threads and trainings completed
    for each group of the subtree's people at once: ``groups`` (person_id, group) puts
    each person in one group, ``stops`` (with ``group``) are the groups' own stops."""
    members = analysis.members_in_period(frames.memberships, p.start_utc, p.end_utc)
    group_of = dict(zip(groups["person_id"].tolist(), groups["group"].tolist(), strict=True))
    in_network = groups.loc[groups["person_id"].isin(members), ["group", "person_id"]]
    acts = analysis.in_period(frames.activity, "at", p.start_utc, p.end_utc)
    acts = acts.assign(group=acts["person_id"].map(group_of))
    held = analysis.in_period(stops, "starts_at", p.start_utc, p.end_utc)
    figures = analysis.grouped_participation(in_network, acts, held, targets)
    trainings = frames.trainings
    done = (
        trainings.assign(group=trainings["person_id"].map(group_of))
        .groupby("group")["n"]
        .sum()
        .to_dict()
        if not trainings.empty
        else {}
    )
    for target, row in figures.items():
        suppressed = row["suppressed"]
        row["trainings_completed"] = None if suppressed else int(done.get(target, 0))
    return figures


def _unit_stops(frames: queries.ParticipationFrames) -> pd.DataFrame:
    """The stops of the subtree's units (network stops are counted per network)."""
    stops = frames.stops
    return stops.loc[stops["unit_id"].notna()] if not stops.empty else stops


def participation(actor: Person, unit: OrgUnit, p: Period) -> dict[str, Any]:
    """Participation of the unit's subtree in the period (DESIGN.md), with the share
    of its people in at least one network; all hidden when members are under 5."""
    check(actor, unit)
    frames = period_frames(unit, p)
    people = set(frames.people["person_id"].tolist())
    everyone = frames.people.assign(group=unit.id)
    stops = _unit_stops(frames).assign(group=unit.id)
    figures = _unit_figures(frames, everyone, stops, p, [unit.id])[unit.id]
    members_now = analysis.members_in_period(frames.memberships, p.start_utc, p.end_utc)
    in_network = len(members_now & people)
    network_share = analysis.share(in_network, len(people))
    leaders = set(frames.people.loc[frames.people["leader"], "person_id"].tolist())
    leader_share = analysis.share(len(members_now & leaders), len(leaders))
    hidden = suppression(p)
    row = {
        **figures,
        "network_share": None if figures["suppressed"] else network_share["share"],
        # Leaders in networks, as members: hidden as a group of its own (and by subtraction).
        "leader_network_share": None
        if hidden.leader_share(unit.id) and leader_share["share"]
        else leader_share["share"],
    }
    head = {"unit": unit.code, "unit_name": unit.name, **p.as_json(), "people": len(people)}
    return {**head, **_apply(row, hidden.unit(unit.id))}


def participation_by_month(actor: Person, unit: OrgUnit, p: Period) -> list[dict[str, Any]]:
    """The participation figures month by month, with the new joins of each month."""
    check(actor, unit)
    frames = period_frames(unit, p)
    people = set(frames.people["person_id"].tolist())
    stops = _unit_stops(frames)
    buckets = p.months()
    months = analysis.monthly_participation(
        people, frames.memberships, frames.activity, stops, buckets
    )
    joins = {
        r["month"]: r["joins"]
        for r in analysis.joins_per_month(people, frames.memberships, buckets)
    }
    total_members = analysis.members_in_period(frames.memberships, p.start_utc, p.end_utc) & people
    hidden = suppression(p)
    hide_joins = len(total_members) < analysis.MIN_GROUP or hidden.unit(unit.id) is not None
    rows = [{**m, "joins": None if hide_joins else joins.get(m["month"], 0)} for m in months]
    return [_apply(r, hidden.month(r["month"], unit.id), ("month", "joins")) for r in rows]


def participation_by_unit(actor: Person, unit: OrgUnit, p: Period) -> list[dict[str, Any]]:
    """One row per child unit (and the unit itself for people placed directly in it),
    each with its subtree's figures; rows with fewer than 5 members are hidden."""
    check(actor, unit)
    frames = period_frames(unit, p)
    paths = queries.unit_paths(unit)
    children = queries.child_units(unit)
    depth = len(unit.ancestor_ids())

    def group_of(unit_id: int) -> int:
        parts = [int(x) for x in paths.get(int(unit_id), "").strip("/").split("/") if x]
        return parts[depth] if len(parts) > depth else unit.id

    # Once per unit, not per person.
    groups = {u: group_of(u) for u in frames.people["unit_id"].dropna().unique().tolist()}
    people = frames.people.assign(group=frames.people["unit_id"].map(groups))
    stops = _unit_stops(frames)
    stops = stops.assign(group=stops["unit_id"].map(group_of) if not stops.empty else None)
    hidden = suppression(p)
    targets = [unit, *children]
    figures = _unit_figures(frames, people, stops, p, [t.id for t in targets])
    sizes = people["group"].value_counts().to_dict()
    rows = []
    for target in targets:
        size = int(sizes.get(target.id, 0))
        if target.id == unit.id and not size:
            continue
        reason = hidden.direct(unit.id) if target.id == unit.id else hidden.unit(target.id)
        head = {
            "unit": target.code,
            "name": target.name
            if target.id != unit.id
            else _l("(directly in %(unit)s)", unit=unit.name),
            "people": size,
        }
        rows.append({**head, **_apply(dict(figures[target.id]), reason)})
    for row in rows:
        row["name"] = str(row["name"])
    return rows


def participation_by_network(actor: Person, unit: OrgUnit, p: Period) -> list[dict[str, Any]]:
    """One row per network the subtree's people belonged to in the period: its members
    from the subtree and their activity in that network; under 5 members hidden."""
    check(actor, unit)
    frames = period_frames(unit, p)
    people = set(frames.people["person_id"].tolist())
    ms = frames.memberships
    if ms.empty:
        return []
    network_ids = sorted(ms["network_id"].unique().tolist())
    info = queries.networks_info(network_ids).set_index("network_id")
    hidden = suppression(p)
    figures = analysis.grouped_participation(
        analysis.members_by(
            ms.loc[ms["person_id"].isin(people)], "network_id", p.start_utc, p.end_utc
        ),
        _by_network(analysis.in_period(frames.activity, "at", p.start_utc, p.end_utc)),
        _by_network(analysis.in_period(frames.stops, "starts_at", p.start_utc, p.end_utc)),
        network_ids,
    )
    rows = []
    for network_id in network_ids:
        meta = info.loc[network_id] if network_id in info.index else None
        reason = hidden.network(int(network_id), unit.id)
        rows.append(
            {
                "network_id": int(network_id),
                "name": str(meta["name"]) if meta is not None else str(network_id),
                "visibility": str(meta["visibility"]) if meta is not None else None,
                **_apply(figures[network_id], reason),
            }
        )
    rows.sort(key=lambda r: (r["suppressed"], -(r["members"] or 0), r["name"]))
    return rows


def _by_network(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a frame that belong to a network, the network as their ``group``."""
    if frame.empty:
        return frame.assign(group=pd.Series(dtype="int64"))
    rows = frame.loc[frame["network_id"].notna()]
    return rows.assign(group=rows["network_id"].astype("int64"))
