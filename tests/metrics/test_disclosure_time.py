"""Disclosure control across months, networks and overlapping periods (DESIGN.md,
participation; issue #21): no message count of 1 to 4 people may be worked out by
subtracting figures the API shows.

The data: the test organisation and a division C of three units, every member posting
each month while a member. C1 ramps up: 2 members from December, a third on 10
February, 5 more on 1 March (8 in the period). C2 has 9 members in one network, 3 of
whom also post in a second network. C3 has 6 members until 15 June, when 2 leave.

The attacker is HR. Periods are whole months (``services.period``): the attacker asks
for a handful of free dates on several days, in June while it runs and after it, so
the periods it gets overlap, share their start and end in the running month. For each,
every unit's summary, units, months and networks are read from
``/api/v1/metrics/participation*``, and the period the API says it used is the one
the figures are about. The messages add up in four
ways, and every one is an equation: a unit is its child units plus the people placed
directly in it (in every period, month and network); a period is its months; a unit's
messages are the sum of its networks' (each message is in a network); and a period
that contains another sharing one end is that period plus the days between. Every
equation with one unknown is solved, again and again; then every figure worked out,
and every group of unknowns an equation leaves with a known total, must be about no
one or about 5 people or more (the members counted from the database).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
import sqlalchemy as sa

from kollega import clock
from kollega.extensions import db
from kollega.gaps.kept import Kept
from kollega.metrics import analysis, services
from kollega.networks.models import Network, NetworkMember, Thread
from kollega.org.models import OrgUnit, Person
from tests.factories import make_person, make_unit
from tests.gaps.data import bearer
from tests.metrics.data import member, message

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
# The whole period, and periods that share one end with it (as asked: the API snaps
# them to whole months).
PERIODS = [
    (START, END),
    (dt.date(2026, 1, 16), END),
    (dt.date(2026, 2, 1), END),
    (dt.date(2026, 2, 11), END),
    (dt.date(2026, 3, 1), END),
    (START, dt.date(2026, 5, 31)),
    (dt.date(2026, 6, 3), END),
]
# The days the attacker asks on: June running (before, on and after the day C3's two
# leave), and after it.
ASKED_ON = [dt.date(2026, 6, 15), dt.date(2026, 6, 20), dt.date(2026, 7, 2)]


def build(org) -> None:
    c = make_unit("C", org.root, "division", "Kultur")
    c1 = make_unit("C1", c, "unit", "Ramp skole")
    c2 = make_unit("C2", c, "unit", "Stabil barnehage")
    c3 = make_unit("C3", c, "unit", "Kulturskolen")
    net1 = Network(name="Alle deler", visibility="open", status="active")
    net2 = Network(name="Småbarn", visibility="open", status="active")
    db.session.add_all([net1, net2])
    db.session.flush()
    threads = {}
    for net in (net1, net2):
        thread = Thread(network_id=net.id, title="Del", kind="discussion", created_by_id=org.hr.id)
        thread.created_at = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
        db.session.add(thread)
        threads[net.id] = thread
    db.session.flush()
    seq = iter(range(1, 10_000))

    def join(unit, n, joined, nets=(net1,)):
        for i in range(n):
            person = make_person(unit, name=f"{unit.code} {joined} {i}")
            for net in nets:
                member(net, person, joined.isoformat())
                day = max(joined, dt.date(2025, 12, 1)) + dt.timedelta(days=1)
                while day <= END:  # a message a month while a member
                    message(threads[net.id], person, day.isoformat(), next(seq))
                    day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=2 + i % 5)

    join(c1, 2, dt.date(2025, 12, 1))
    join(c1, 1, dt.date(2026, 2, 10))
    join(c1, 5, dt.date(2026, 3, 1))
    join(c2, 6, dt.date(2025, 6, 1))
    join(c2, 3, dt.date(2025, 6, 1), nets=(net1, net2))
    join(c3, 6, dt.date(2025, 6, 1))
    db.session.flush()
    leavers = db.session.scalars(
        sa.select(NetworkMember)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(Person.unit_id == c3.id)
        .order_by(NetworkMember.id)
        .limit(2)
    ).all()
    for m in leavers:
        m.left_at = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)
    db.session.commit()


@dataclass(frozen=True)
class Window:
    first: dt.date
    last: dt.date

    def __sub__(self, other: Window) -> Window | None:
        """The days of self not in ``other``, when other shares one end with self."""
        if other.first == self.first and other.last < self.last:
            return Window(other.last + dt.timedelta(days=1), self.last)
        if other.last == self.last and other.first > self.first:
            return Window(self.first, other.first - dt.timedelta(days=1))
        return None


class Truth:
    """Who was a member of which network when, from the database."""

    def __init__(self) -> None:
        units = db.session.scalars(sa.select(OrgUnit)).all()
        self.paths = {u.id: u.path for u in units}
        self.rows = db.session.execute(
            sa.select(
                NetworkMember.person_id,
                Person.unit_id,
                NetworkMember.network_id,
                NetworkMember.joined_at,
                NetworkMember.left_at,
            ).join(Person, Person.id == NetworkMember.person_id)
        ).all()

    def people(self, cells) -> set[int]:
        out: set[int] = set()
        for (window, network), (kind, uid) in cells:
            p = services.Period(window.first, window.last)
            start, end = p.start_utc.replace(tzinfo=None), p.end_utc.replace(tzinfo=None)
            for pid, unit_id, nid, joined, left in self.rows:
                joined = joined.replace(tzinfo=None)
                left = left.replace(tzinfo=None) if left else None
                if network is not None and nid != network:
                    continue
                if not (joined < end and (left is None or left >= start)):
                    continue
                path = self.paths[unit_id]
                if (kind == "direct" and unit_id == uid) or (kind == "unit" and f"/{uid}/" in path):
                    out.add(pid)
        return out


def read_everything(client, org, monkeypatch, asked_on=ASKED_ON, periods=PERIODS):
    """Every message count the API shows HR, by cell ((window, network), key), asked on
    each day of ``asked_on``; and the periods the API used."""
    for today in asked_on:
        monkeypatch.setattr(clock, "today", lambda today=today: today)
        yield from read_on_one_day(client, org, periods)


def read_on_one_day(client, org, periods=PERIODS):
    """(cell, row) of every figure the API shows HR today, every period of ``periods``."""
    headers = bearer(org.hr)

    def call(path, code, q):
        r = client.get(f"/api/v1/metrics/{path}?unit={code}&{q}", headers=headers)
        assert r.status_code == 200, r.json
        return r.json

    units = db.session.scalars(sa.select(OrgUnit)).all()
    by_code = {u.code: u for u in units}
    for asked_first, asked_last in periods:
        q = f"from={asked_first}&to={asked_last}"
        for u in units:
            summary = call("participation", u.code, q)
            first, last = (dt.date.fromisoformat(summary[k]) for k in ("from", "to"))
            assert first.day == 1 and first == asked_first.replace(day=1)
            assert last == min(services.month_end(asked_last), clock.today())
            whole = Window(first, last)
            yield ((whole, None), ("unit", u.id)), summary
            for row in call("participation/units", u.code, q)["rows"]:
                key = (
                    ("direct", u.id) if row["unit"] == u.code else ("unit", by_code[row["unit"]].id)
                )
                yield ((whole, None), key), row
            for row, (_label, s, e) in zip(
                call("participation/months", u.code, q)["rows"],
                services.Period(first, last).months(),
                strict=True,
            ):
                days = Window(
                    s.astimezone(services.OSLO).date(),
                    (e.astimezone(services.OSLO) - dt.timedelta(days=1)).date(),
                )
                yield ((days, None), ("unit", u.id)), row
            for row in call("participation/networks", u.code, q)["rows"]:
                yield ((whole, row["network_id"]), ("unit", u.id)), row


def learn_everything(client, org, monkeypatch, **asked):
    """The shown message counts by cell, the reasons of the hidden ones, and the windows
    (periods and months) the figures were about."""
    known: dict = {}
    reasons: Counter = Counter()
    windows: set[Window] = set()
    for cell, row in read_everything(client, org, monkeypatch, **asked):
        windows.add(cell[0][0])
        if row["suppressed"]:
            reasons[row["suppressed_reason"]] += 1
            continue
        assert known.setdefault(cell, row["messages"]) == row["messages"], cell
    return known, reasons, windows


def equations(truth: Truth, scopes: set, windows: set[Window]):
    """(kind, total, parts) for every sum the figures obey."""
    children: dict[int, list[int]] = {}
    for uid, path in truth.paths.items():
        ids = [int(x) for x in path.strip("/").split("/") if x]
        if len(ids) > 1:
            children.setdefault(ids[-2], []).append(uid)
    keys = [("unit", u) for u in truth.paths] + [("direct", u) for u in truth.paths]
    networks = sorted({row[2] for row in truth.rows})
    out = []
    for scope in scopes:
        for parent, kids in children.items():
            parts = [(scope, ("unit", k)) for k in kids] + [(scope, ("direct", parent))]
            out.append(("units", (scope, ("unit", parent)), parts))
    for window in windows:
        months = services.Period(window.first, window.last).months()
        month_windows = [
            Window(
                s.astimezone(services.OSLO).date(),
                (e.astimezone(services.OSLO) - dt.timedelta(days=1)).date(),
            )
            for _label, s, e in months
        ]
        for key in keys:
            whole = ((window, None), key)
            if len(month_windows) > 1:
                out.append(("months", whole, [((m, None), key) for m in month_windows]))
            out.append(("networks", whole, [((window, n), key) for n in networks]))
            for other in windows:
                rest = window - other
                if rest is not None:
                    for n in [None, *networks]:
                        parts = [((other, n), key), ((rest, n), key)]
                        out.append(("periods", ((window, n), key), parts))
    return out


def attack(client, org, monkeypatch, **asked):
    """The exposures the attacker finds: (kind of equation, cells, members); ``asked``
    may narrow the days asked on and the periods asked for (``asked_on``, ``periods``)."""
    known, reasons, windows = learn_everything(client, org, monkeypatch, **asked)
    truth = Truth()
    windows |= {w - v for w in windows for v in windows if w - v is not None}
    scopes = {cell[0] for cell in known} | {(w, None) for w in windows}
    scopes |= {(w, n) for w in windows for n in {row[2] for row in truth.rows}}
    eqs = equations(truth, scopes, windows)
    size: dict = {}

    def members(cells) -> int:
        key = frozenset(cells)
        if key not in size:
            size[key] = len(truth.people(cells))
        return size[key]

    exposed = []
    changed = True
    while changed:
        changed = False
        for kind, total, parts in eqs:
            unknown = [c for c in [total, *parts] if c not in known and members([c])]
            for c in [total, *parts]:
                if c not in known and not members([c]):
                    known[c] = 0  # nobody: nothing to learn
            if len(unknown) != 1:
                continue
            (x,) = unknown
            rest = sum(known[p] for p in parts if p != x)
            known[x] = rest if x == total else known[total] - rest
            changed = True
            if 0 < members([x]) < analysis.MIN_GROUP:
                exposed.append((kind, [x], members([x])))
    for kind, total, parts in eqs:
        left = [p for p in parts if p not in known]
        if total in known and left and 0 < members(left) < analysis.MIN_GROUP:
            exposed.append((kind, left, members(left)))
    return exposed, reasons, known


def test_no_small_group_by_months_networks_or_periods(client, org, monkeypatch):
    build(org)
    exposed, reasons, known = attack(client, org, monkeypatch)
    assert not exposed, sorted({kind for kind, _c, _n in exposed})
    # Figures are hidden for being small and for subtraction alike; the whole division
    # and the steady units are still shown.
    assert reasons[analysis.SMALL_GROUP] and reasons[analysis.SUBTRACTION]
    by_code = {u.code: u.id for u in db.session.scalars(sa.select(OrgUnit))}
    assert ((Window(START, END), None), ("unit", by_code["C"])) in known
    # C3 is shown in June while it runs up to the day two of its 6 leave, not after:
    # June as a whole minus June up to the 15th would be the 4 who stayed.
    june = [
        ((Window(dt.date(2026, 6, 1), dt.date(2026, 6, d)), None), ("unit", by_code["C3"]))
        for d in (15, 20, 30)
    ]
    assert [cell in known for cell in june] == [True, False, False]


@pytest.mark.parametrize("first", [dt.date(2026, 1, 2), dt.date(2026, 3, 2)])
def test_a_ramp_hides_the_period_and_its_months(client, org, first):
    """C1 had 2 members on 1 January: no period from then shows it, nor its months; from
    2 March (8 members every day) it is shown with every month."""
    build(org)
    headers = bearer(org.hr)
    q = f"unit=C1&from={first}&to=2026-05-31"  # before two of C3 leave (C1 would cover C3)
    summary = client.get(f"/api/v1/metrics/participation?{q}", headers=headers).json
    months = client.get(f"/api/v1/metrics/participation/months?{q}", headers=headers).json
    shown = first >= dt.date(2026, 3, 1)
    assert summary["suppressed"] is (not shown)
    assert {r["suppressed"] for r in months["rows"]} == {not shown}
    if not shown:
        assert summary["suppressed_reason"] == analysis.SUBTRACTION
        assert summary["suppressed_note"]
        # Months with 1-4 members are small in themselves; the others hidden with C1.
        reasons = {r["suppressed_reason"] for r in months["rows"]}
        assert reasons == {analysis.SMALL_GROUP, analysis.SUBTRACTION}
        assert all(r["suppressed_note"] for r in months["rows"])


def test_page_export_and_scorecard_hide_the_ramp_alike(client, org):
    """The unit page, the CSV export of its months and the scorecard hide C1 with the
    same reason as the API."""
    from tests.conftest import login

    build(org)
    login(client, org.hr)
    q = f"from={START}&to={END}"
    html = client.get(f"/metrics/units/C?{q}").get_data(as_text=True)
    note = services.reason_text(analysis.SUBTRACTION)
    assert note in html  # the C1 row of the units table, hidden for subtraction
    page = client.get(f"/metrics/units/C1?{q}").get_data(as_text=True)
    assert "skjules i sin helhet" in page or "is hidden as a whole" in page
    text = client.get(f"/metrics/units/C1/export.csv?table=months&{q}").get_data(as_text=True)
    assert note in text and services.reason_text(analysis.SMALL_GROUP) in text
    card = client.get("/api/v1/metrics/scorecard?unit=C1&year=2026", headers=bearer(org.hr)).json
    indicators = {
        i["key"]: i for area in card["focus_areas"] for g in area["goals"] for i in g["indicators"]
    }
    active = indicators["active_share"]
    assert active["suppressed"] and active["value"] is None
    assert active["suppressed_reason"] == analysis.SUBTRACTION


def test_a_launch_month_with_5_members_does_not_hide_the_year(client, org, monkeypatch):
    """A unit whose first member joined alone on 3 March, and 6 were members by the
    20th, is shown for the default period (the last twelve whole months and this month)
    and for one reaching back before its start, with March among its months: March is
    counted as a month (6 members, and 6 from any of its days to its end), not day by
    day. Before, its day with 1 member hid the unit for any period containing it."""
    d = make_unit("D", org.root, "division", "Oppstart")
    d1 = make_unit("D1", d, "unit", "Ny skole")
    d2 = make_unit("D2", d, "unit", "Stødig skole")
    net = Network(name="Oppstart", visibility="open", status="active")
    db.session.add(net)
    db.session.flush()
    for i, joined in enumerate(["2026-03-03", "2026-03-10", "2026-03-10", *["2026-03-20"] * 3]):
        member(net, make_person(d1, name=f"Ny {i}"), joined)
    for i in range(6):
        member(net, make_person(d2, name=f"Stødig {i}"), "2025-06-01")
    db.session.commit()
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 15))
    headers = bearer(org.hr)
    for q in ("", "&from=2025-11-20&to=2026-11-02", "&from=2026-03&to=2026-03"):
        summary = client.get(f"/api/v1/metrics/participation?unit=D1{q}", headers=headers).json
        assert not summary["suppressed"], (q, summary)
        assert summary["members"] == 6
        months = client.get(f"/api/v1/metrics/participation/months?unit=D1{q}", headers=headers)
        march = [r for r in months.json["rows"] if r["month"] == "2026-03"]
        assert march and not march[0]["suppressed"]
        units = client.get(f"/api/v1/metrics/participation/units?unit=D{q}", headers=headers)
        assert not {r["unit"]: r for r in units.json["rows"]}["D1"]["suppressed"]
    default = client.get("/api/v1/metrics/participation?unit=D1", headers=headers).json
    assert (default["from"], default["to"]) == ("2025-12-01", "2026-11-15")
    asked = client.get(
        "/api/v1/metrics/participation?unit=D1&from=2025-11-20&to=2026-11-02", headers=headers
    ).json
    assert (asked["from"], asked["to"]) == ("2025-11-01", "2026-11-15")
    assert d2.id and d1.id


# On SQLite only: it swaps the counting rule (pure numpy) to show the hole it would leave;
# the figures it attacks are read from both databases by the tests above.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_counting_a_complete_month_by_its_members_only_leaves_a_hole(client, org, monkeypatch):
    """Why a complete month is counted from each of its days to its end: counted only
    by its members (6 in C3's June), June as a whole minus June up to the 15th, shown
    while June ran, is the 4 who stayed."""
    from kollega.metrics import disclosure

    by_day = disclosure.member_days

    def by_month(ms, first, last, local=None):
        """Each membership over whole complete months: a month's count is its members."""
        days = by_day(ms, first, last, local)
        if days.empty:
            return days
        start, end = np.datetime64(first, "D"), np.datetime64(last, "D")
        a, b = start + days["a"].to_numpy(), start + days["b"].to_numpy()
        a_month, b_month = a.astype("datetime64[M]"), b.astype("datetime64[M]")
        one = np.timedelta64(1, "D")
        a_end = (a_month + 1).astype("datetime64[D]") - one
        b_end = (b_month + 1).astype("datetime64[D]") - one
        a = np.where(a_end <= end, np.maximum(a_month.astype("datetime64[D]"), start), a)
        b = np.where(b_end <= end, b_end, b)
        days["a"], days["b"] = (a - start).astype("int64"), (b - start).astype("int64")
        return disclosure.merge_intervals(days, ["network_id", "person_id"])

    build(org)
    monkeypatch.setattr(
        services, "_AUDITS", Kept(services.AUDITS_KEPT)
    )  # audits kept from other tests used the real rule
    monkeypatch.setattr(disclosure, "month_windows", lambda a, first, last: a)
    monkeypatch.setattr(disclosure, "member_days", by_month)
    # What the hole needs, not every figure (a twelfth of the requests): June asked for
    # while it ran (on the 15th) and after it (on 2 July).
    june = [(dt.date(2026, 6, 3), END)]
    asked_on = [dt.date(2026, 6, 15), dt.date(2026, 7, 2)]
    exposed, _reasons, _known = attack(client, org, monkeypatch, asked_on=asked_on, periods=june)
    c3 = db.session.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == "C3"))
    late_june = Window(dt.date(2026, 6, 16), dt.date(2026, 6, 30))
    assert any(
        n == 4 and any(w == late_june and key == ("unit", c3) for (w, _n), key in cells)
        for _kind, cells, n in exposed
    ), exposed
