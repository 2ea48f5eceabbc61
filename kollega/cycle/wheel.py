"""The årshjul drawn on the server: geometry for the wheel (an SVG of twelve month
segments and a ring per kind of event), the linear year (a lane per kind, periods as
spans over their days) and the table of the same events.

Pure Python: occurrences and dates in, numbers and strings for the templates out. The
SVG uses presentation attributes only (``d=``, ``x=``), never ``style=``, which the
content security policy forbids.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kollega.clock import OSLO
from kollega.cycle.models import EVENT_KINDS

SIZE = 640  # the wheel's viewBox is SIZE x SIZE
CENTRE = SIZE / 2
INNER = 96  # radius where the innermost ring starts
RING = 30  # ring width
GAP = 3  # between rings
MONTH_LABEL_R = INNER + len(EVENT_KINDS) * (RING + GAP) + 16
START_DEG = 6.0  # the year starts 6° after 12 o'clock: the gap holds the ring numbers
SPAN_DEG = 348.0
MIN_DAYS = 1.6  # a one-day event is drawn at least this many days wide, to be seen and hit

MONTHS_NB = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(OSLO).date()


def last_day(starts_at: dt.datetime, ends_at: dt.datetime) -> dt.date:
    """The last day an occurrence covers (an end at midnight belongs to the day before)."""
    end = ends_at.astimezone(OSLO)
    day = end.date()
    if end.time() == dt.time(0) and day > local_date(starts_at):
        day -= dt.timedelta(days=1)
    return day


def date_range(first: dt.date, last: dt.date, months: Sequence[str] = MONTHS_NB) -> str:
    """Days in Norwegian form: "2. januar", "2.–4. januar", "30. januar–3. februar",
    "30. desember 2026–2. januar 2027"."""
    if first == last:
        return f"{first.day}. {months[first.month - 1]}"
    if first.year != last.year:
        return (
            f"{first.day}. {months[first.month - 1]} {first.year}–"
            f"{last.day}. {months[last.month - 1]} {last.year}"
        )
    if first.month == last.month:
        return f"{first.day}.–{last.day}. {months[first.month - 1]}"
    return f"{first.day}. {months[first.month - 1]}–{last.day}. {months[last.month - 1]}"


def _days_in(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _day_pos(year: int, day: dt.date) -> float:
    """Days from 1 January of ``year`` (clamped to the year)."""
    start = dt.date(year, 1, 1)
    return float(min(max((day - start).days, 0), _days_in(year)))


def _angle(year: int, days: float) -> float:
    """Degrees clockwise from 12 o'clock for ``days`` into the year."""
    return START_DEG + SPAN_DEG * days / _days_in(year)


def _point(radius: float, degrees: float) -> tuple[float, float]:
    rad = math.radians(degrees - 90)
    return CENTRE + radius * math.cos(rad), CENTRE + radius * math.sin(rad)


def sector(r1: float, r2: float, a1: float, a2: float) -> str:
    """The SVG path of a ring sector between radii r1 < r2 and angles a1 < a2."""
    large = 1 if a2 - a1 > 180 else 0
    x1, y1 = _point(r2, a1)
    x2, y2 = _point(r2, a2)
    x3, y3 = _point(r1, a2)
    x4, y4 = _point(r1, a1)
    f = _fmt
    return (
        f"M{f(x1)} {f(y1)}A{f(r2)} {f(r2)} 0 {large} 1 {f(x2)} {f(y2)}"
        f"L{f(x3)} {f(y3)}A{f(r1)} {f(r1)} 0 {large} 0 {f(x4)} {f(y4)}Z"
    )


@dataclass
class Item:
    """One occurrence as the year view shows it."""

    occ: Any
    kind: str
    title: str
    first: dt.date
    last: dt.date
    dates: str
    audience: str
    href: str
    label: str = ""
    path: str = ""
    lane: int = 0
    x: str = ""
    width: str = ""


@dataclass
class Year:
    """Everything the year page draws."""

    year: int
    items: list[Item]
    months: list[dict[str, Any]] = field(default_factory=list)
    rings: list[dict[str, Any]] = field(default_factory=list)
    today: dict[str, Any] | None = None
    lanes: dict[str, int] = field(default_factory=dict)
    days: int = 365


def build(
    year: int,
    occurrences: Sequence[Any],
    today: dt.date,
    month_names: Sequence[str],
    kind_label: Any,
    audience_of: Any,
    href_of: Any,
) -> Year:
    """The wheel, the linear year and the table for ``occurrences`` of ``year``."""
    items: list[Item] = []
    for occ in occurrences:
        first, last = local_date(occ.starts_at), last_day(occ.starts_at, occ.ends_at)
        kind = occ.event.kind
        item = Item(
            occ=occ,
            kind=kind,
            title=occ.event.title,
            first=first,
            last=last,
            dates=date_range(first, last, month_names),
            audience=audience_of(occ.event),
            href=href_of(occ),
        )
        item.label = f"{item.title}, {item.dates}, {kind_label(kind)}"
        items.append(item)
    out = Year(year=year, items=items, days=_days_in(year))
    _lines(out)
    _wheel(out, today, month_names, kind_label)
    return out


def _ring(kind: str) -> tuple[float, float]:
    index = EVENT_KINDS.index(kind)
    r1 = INNER + index * (RING + GAP)
    return r1, r1 + RING


def _wheel(out: Year, today: dt.date, month_names: Sequence[str], kind_label: Any) -> None:
    year = out.year
    for m in range(12):
        first = _day_pos(year, dt.date(year, m + 1, 1))
        end = _day_pos(year, dt.date(year + 1, 1, 1) if m == 11 else dt.date(year, m + 2, 1))
        a1, a2 = _angle(year, first), _angle(year, end)
        mid = (a1 + a2) / 2
        lx, ly = _point(MONTH_LABEL_R, mid)
        x1, y1 = _point(INNER - 6, a1)
        x2, y2 = _point(MONTH_LABEL_R - 8, a1)
        out.months.append(
            {
                "name": month_names[m],
                "short": month_names[m][:3],
                "x": _fmt(lx),
                "y": _fmt(ly),
                "rotate": _fmt(mid if mid <= 90 or mid >= 270 else mid - 180),
                "line": (_fmt(x1), _fmt(y1), _fmt(x2), _fmt(y2)),
                "odd": m % 2,
            }
        )
    for index, kind in enumerate(EVENT_KINDS):
        r1, r2 = _ring(kind)
        nx, ny = _point((r1 + r2) / 2, 0)
        out.rings.append(
            {
                "kind": kind,
                "number": index + 1,
                "label": kind_label(kind),
                "path": sector(r1, r2, START_DEG, START_DEG + SPAN_DEG),
                "nx": _fmt(nx),
                "ny": _fmt(ny + 4),
            }
        )
    for item in out.items:
        r1, r2 = _ring(item.kind)
        # Overlapping events of one kind share the ring as lanes (as in the linear year).
        width = (r2 - r1) / out.lanes.get(item.kind, 1)
        r1, r2 = r1 + item.lane * width, r1 + (item.lane + 1) * width
        d1 = _day_pos(year, item.first)
        d2 = _day_pos(year, item.last + dt.timedelta(days=1))
        if d2 - d1 < MIN_DAYS:
            mid = (d1 + d2) / 2
            d1, d2 = mid - MIN_DAYS / 2, mid + MIN_DAYS / 2
        pad = 1.0 if width > 8 else 0.25
        item.path = sector(r1 + pad, r2 - pad, _angle(year, d1), _angle(year, d2))
    if today.year == year:
        days = _day_pos(year, today) + 0.5
        angle = _angle(year, days)
        x1, y1 = _point(INNER - 14, angle)
        x2, y2 = _point(MONTH_LABEL_R - 8, angle)
        out.today = {
            "line": (_fmt(x1), _fmt(y1), _fmt(x2), _fmt(y2)),
            "x": _fmt(days / out.days * 1000),
            "percent": days / out.days * 100,
        }


def _lines(out: Year) -> None:
    """Lanes per kind so that overlapping periods of one kind sit one above the other;
    x and width in a 0–1000 wide coordinate space (the SVG scales it to the page)."""
    ends: dict[str, list[float]] = {kind: [] for kind in EVENT_KINDS}
    for item in sorted(out.items, key=lambda i: (i.first, i.last)):
        d1 = _day_pos(out.year, item.first)
        d2 = max(_day_pos(out.year, item.last + dt.timedelta(days=1)), d1 + MIN_DAYS)
        lanes = ends[item.kind]
        lane = next((i for i, end in enumerate(lanes) if end <= d1), len(lanes))
        if lane == len(lanes):
            lanes.append(d2)
        else:
            lanes[lane] = d2
        item.lane = lane
        item.x = _fmt(d1 / out.days * 1000)
        item.width = _fmt((d2 - d1) / out.days * 1000)
    out.lanes = {kind: max(1, len(lanes)) for kind, lanes in ends.items()}


def month_ticks(year: int) -> list[str]:
    """x of each month's first day in the 0–1000 space of the linear year."""
    days = _days_in(year)
    return [_fmt(_day_pos(year, dt.date(year, m, 1)) / days * 1000) for m in range(1, 13)]
