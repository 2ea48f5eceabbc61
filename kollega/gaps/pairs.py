"""The gap's inputs as arrays keyed by (person, competence): the requirements applying
to each pair with their dates, and the assessment history sorted once, so that the
required levels and the levels at any date are a cut of arrays, not a new pandas join.

``analysis`` defines the gap, closure and new gap on frames; ``History`` gives the same
figures for many dates of one group of people at a fraction of the cost (a plan page
asks for the gap at its target date, at the period's start, the closure over the
period and each measure's closure over its own window; the metrics ask for thirteen
month ends). ``tests/gaps/test_pairs.py`` checks the two agree on random histories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SOURCE_RANK = {"self": 1, "formal": 2, "leader": 3}
GAP_COLUMNS = ["person_id", "competence", "required", "level", "gap"]


def day(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


class PairKeys:
    """One integer key per (person, competence): every later step hashes integers.
    Keys sort as the pairs do (person, then competence by name)."""

    def __init__(self, applying: pd.DataFrame) -> None:
        # unique() first: a set() of the column walks every row of it one by one.
        self.names = pd.Index(sorted(applying["competence"].unique().tolist()))
        self.width = max(len(self.names), 1)
        self._names = self.names.to_numpy(dtype=object)

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        code = self.names.get_indexer(frame["competence"])
        return frame["person_id"].to_numpy(dtype="int64") * self.width + code

    def people(self, keys: np.ndarray) -> np.ndarray:
        return keys // self.width

    def competences(self, keys: np.ndarray) -> np.ndarray:
        """The competence codes of ``keys`` as strings (an object array)."""
        return self._names[keys % self.width]

    def codes_of(self, competences: Collection[str]) -> np.ndarray:
        code = self.names.get_indexer(list(competences))
        return code[code >= 0]


class RequirementHistory:
    """The applying requirements by pair key; the highest level in force at a date."""

    def __init__(self, applying: pd.DataFrame, keys: PairKeys) -> None:
        self.req = pd.DataFrame(
            {
                "key": keys.of(applying),
                "level": applying["level"].to_numpy(dtype="int64"),
                "start": dates(applying["effective_from"]).to_numpy(),
                "until": dates(applying["effective_until"]).to_numpy(),
            }
        )
        self.seen_masks: dict[bytes, pd.Series] = {}

    def at(self, when: pd.Timestamp) -> pd.Series:
        """Required level (> 0) by pair key, the keys sorted."""
        req = self.req
        mask = ((req["start"] <= when) & (req["until"].isna() | (when < req["until"]))).to_numpy()
        # Requirements change on few dates: most dates share the set in force.
        if mask.tobytes() not in self.seen_masks:
            out = req.loc[mask].groupby("key")["level"].max()
            self.seen_masks[mask.tobytes()] = out[out > 0].astype("int64")
        return self.seen_masks[mask.tobytes()]


class LevelHistory:
    """The assessments of the applying competences by pair key, sorted once so that the
    level at a date is the last row of each key on or before it (on the same day a
    leader's over formal evidence over a self-assessment, then the later id)."""

    def __init__(self, assessments: pd.DataFrame, keys: PairKeys) -> None:
        if assessments.empty:
            self.key = np.empty(0, dtype="int64")
            self.level = np.empty(0, dtype="int64")
            self.on = np.empty(0, dtype="datetime64[ns]")
            return
        known = assessments.loc[assessments["competence"].isin(keys.names)]
        levels = pd.DataFrame(
            {
                "key": keys.of(known),
                "level": known["level"].to_numpy(dtype="int64"),
                "on": dates(known["assessed_on"]).to_numpy(),
                "rank": known["source"].map(SOURCE_RANK).fillna(0).to_numpy(),
                "id": known["id"].to_numpy() if "id" in known.columns else np.arange(len(known)),
            }
        ).sort_values(["key", "on", "rank", "id"], kind="stable")
        self.key = levels["key"].to_numpy(dtype="int64")
        self.level = levels["level"].to_numpy(dtype="int64")
        self.on = levels["on"].to_numpy(dtype="datetime64[ns]")

    def at(self, when: pd.Timestamp) -> pd.Series:
        """Level by pair key at ``when``, the keys sorted (pairs never assessed by then
        are left out)."""
        rows = np.flatnonzero(self.on <= when.to_datetime64())
        keys = self.key[rows]
        last = np.ones(len(rows), dtype=bool)
        last[:-1] = keys[1:] != keys[:-1]
        return pd.Series(self.level[rows[last]], index=keys[last])


def on_keys(series: pd.Series, keys: np.ndarray) -> np.ndarray:
    """``series`` (sorted unique integer index) at ``keys``, 0 where it has none."""
    if series.empty or len(keys) == 0:
        return np.zeros(len(keys), dtype="int64")
    index = series.index.to_numpy(dtype="int64")
    at = np.minimum(np.searchsorted(index, keys), len(index) - 1)
    values = series.to_numpy(dtype="int64")
    return np.where(index[at] == keys, values[at], 0)


class History:
    """One group's requirements and assessment history by pair key (see the module's
    docstring); ``applying`` is ``analysis.applying_requirements`` of the group."""

    def __init__(self, applying: pd.DataFrame, assessments: pd.DataFrame) -> None:
        self.empty = applying.empty
        self.keys = PairKeys(applying) if not self.empty else None
        if self.keys is not None:
            self.required = RequirementHistory(applying, self.keys)
            self.levels = LevelHistory(assessments, self.keys)
        self._levels_at: dict[pd.Timestamp, pd.Series] = {}

    def levels_at(self, when: pd.Timestamp) -> pd.Series:
        if when not in self._levels_at:
            self._levels_at[when] = self.levels.at(when)
        return self._levels_at[when]

    def _mask(
        self, keys: np.ndarray, people: Collection[int] | None, competences: Collection[str] | None
    ) -> np.ndarray:
        assert self.keys is not None
        keep = np.ones(len(keys), dtype=bool)
        if people is not None:
            keep &= np.isin(self.keys.people(keys), np.fromiter(people, dtype="int64"))
        if competences is not None:
            keep &= np.isin(keys % self.keys.width, self.keys.codes_of(competences))
        return keep

    def gap_frame(
        self,
        requirements_at: dt.date | pd.Timestamp,
        levels_at: dt.date | pd.Timestamp,
        people: Collection[int] | None = None,
        competences: Collection[str] | None = None,
    ) -> pd.DataFrame:
        """``analysis.gap_at`` (person_id, competence, required, level, gap; sorted by
        person and competence), for only ``people`` and ``competences`` when given."""
        if self.keys is None:
            return _empty_gap_frame()
        required = self.required.at(day(requirements_at))
        keys = required.index.to_numpy(dtype="int64")
        need = required.to_numpy(dtype="int64")
        if people is not None or competences is not None:
            keep = self._mask(keys, people, competences)
            keys, need = keys[keep], need[keep]
        level = on_keys(self.levels_at(day(levels_at)), keys)
        return pd.DataFrame(
            {
                "person_id": self.keys.people(keys),
                "competence": self.keys.competences(keys),
                "required": need,
                "level": level,
                "gap": np.maximum(need - level, 0),
            }
        )

    def closure_and_start(
        self,
        t0: dt.date | pd.Timestamp,
        t1: dt.date | pd.Timestamp,
        people: Collection[int] | None = None,
        competences: Collection[str] | None = None,
    ) -> tuple[dict[str, float | int | None], pd.DataFrame]:
        """``analysis.closure_and_start`` of the group (or of ``people`` and
        ``competences`` in it): closure from t0 to t1 with new gap apart, and the gap
        frame at t0."""
        start = self.gap_frame(t0, t0, people, competences)
        g0 = int(start["gap"].sum())
        g1, new_gap = 0, 0
        if self.keys is not None:
            r0 = self.required.at(day(t0))
            r1 = self.required.at(day(t1))
            l1 = self.levels_at(day(t1))
            k0 = r0.index.to_numpy(dtype="int64")
            k0 = k0[self._mask(k0, people, competences)]
            g1 = int(np.maximum(on_keys(r0, k0) - on_keys(l1, k0), 0).sum())
            k1 = r1.index.to_numpy(dtype="int64")
            k1 = k1[self._mask(k1, people, competences)]
            floor = np.maximum(on_keys(r0, k1), on_keys(l1, k1))
            new_gap = int(np.maximum(on_keys(r1, k1) - floor, 0).sum())
        return closure_figures(g0, g1, new_gap), start


def closure_figures(g0: int, g1: int, new_gap: int) -> dict[str, float | int | None]:
    """DESIGN.md's closure from the gap points at t0 and t1 (None when G(t0) is 0),
    with the new gap points beside it."""
    return {
        "gap_points_from": g0,
        "gap_points_to": g1,
        "closure": None if g0 == 0 else (g0 - g1) / g0,
        "new_gap_points": new_gap,
    }


def _empty_gap_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": pd.Series(dtype="int64"),
            "competence": pd.Series(dtype="object"),
            **{c: pd.Series(dtype="int64") for c in ("required", "level", "gap")},
        }
    )


@dataclass(frozen=True)
class Cut:
    """The closure's figures of every pair at one date, as arrays by pair key: ``gap`` is
    max(0, r(t0) - l(date)), ``new_gap`` max(0, r(date) - max(r(t0), l(date))),
    ``required`` r(date) > 0 and ``met`` r(date) > 0 and l(date) >= r(date)."""

    keys: np.ndarray
    gap: np.ndarray
    new_gap: np.ndarray
    required: np.ndarray
    met: np.ndarray


def closure_cuts(
    history: History, t0: dt.date | pd.Timestamp, dates: Collection[dt.date | pd.Timestamp]
) -> dict[pd.Timestamp, Cut]:
    """The ``Cut`` at t0 and at each of ``dates``: closure for any group of pairs and
    any of these dates is then a sum (``summarise``)."""
    if history.keys is None:
        return {}
    base = day(t0)
    r0 = history.required.at(base)
    r0_keys = r0.index.to_numpy(dtype="int64")
    # Requirements change on few dates: most dates share t0's (the same Series).
    joined: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {
        id(r0): (r0_keys, r0.to_numpy(dtype="int64"), r0.to_numpy(dtype="int64"))
    }
    out = {}
    for when in sorted({day(d) for d in [t0, *dates]}):
        rd = r0 if when == base else history.required.at(when)
        if id(rd) not in joined:
            keys = _sorted_union(r0_keys, rd.index.to_numpy(dtype="int64"))
            joined[id(rd)] = (keys, on_keys(r0, keys), on_keys(rd, keys))
        keys, r0v, rdv = joined[id(rd)]
        ldv = on_keys(history.levels_at(when), keys)
        out[when] = Cut(
            keys=keys,
            gap=np.maximum(r0v - ldv, 0),
            new_gap=np.maximum(rdv - np.maximum(r0v, ldv), 0),
            required=rdv > 0,
            met=(rdv > 0) & (ldv >= rdv),
        )
    return out


def _sorted_union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The union of two sorted arrays of unique keys, sorted (a merge, not a hash)."""
    both = np.concatenate([a, b])
    both.sort(kind="stable")
    return both[np.r_[True, both[1:] != both[:-1]]] if len(both) else both


# A grouping of pairs: a function of the pair keys giving each pair its group's index
# (-1: in no group) and the groups' names by index.
Labels = tuple[Callable[[np.ndarray], np.ndarray], Sequence[Any]]


def summarise(
    cuts: dict[pd.Timestamp, Cut], t0: dt.date | pd.Timestamp, labels: Labels | None = None
) -> dict[tuple[pd.Timestamp, Any], dict[str, Any]]:
    """``analysis.closure`` of each group of pairs at each date of the cuts, by (date,
    group name; None without ``labels``): gap_points_from, gap_points_to, closure (None
    when G(t0) is 0), new_gap_points and coverage at the date (None without
    requirements), for each group with a pair at the date."""
    base = day(t0)
    names: Sequence[Any] = [None] if labels is None else labels[1]
    width = len(names)
    out: dict[tuple[pd.Timestamp, Any], dict[str, Any]] = {}
    from_gap = np.zeros(width)
    for when in sorted(cuts, key=lambda d: (d != base, d)):  # t0 first: G(t0) per group
        cut = cuts[when]
        codes = np.zeros(len(cut.keys), dtype="int64") if labels is None else labels[0](cut.keys)
        keep = codes >= 0
        codes = codes[keep]
        sums = {
            name: np.bincount(codes, weights=getattr(cut, name)[keep], minlength=width)
            for name in ("gap", "new_gap", "required", "met")
        }
        if when == base:
            from_gap = sums["gap"]
        for i in np.flatnonzero(np.bincount(codes, minlength=width)).tolist():
            g0, g1 = int(from_gap[i]), int(sums["gap"][i])
            required, met = int(sums["required"][i]), int(sums["met"][i])
            out[(when, names[i])] = {
                "date": when,
                **closure_figures(g0, g1, int(sums["new_gap"][i])),
                "coverage": None if required == 0 else met / required,
            }
    return out
