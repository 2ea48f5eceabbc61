"""Demo data for the competence register (a step of ``kollega seed demo``).

The frameworks are synced; every kind of unit gets requirements (privacy higher in
health than in technical services, a future privacy need in home care from 2027),
leaders get job-code requirements in strategic competence management; people get a
year and a half of self- and leader assessments (growth in some kinds of units), some
certificates (a few expired, a few expiring), and a few findable experts. Everything is
inserted in bulk and derived from the step's seeded ``rng`` and fixed dates, so the same
seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from kollega.competence.frameworks import sync_frameworks
from kollega.competence.models import (
    Assessment,
    Competence,
    CompetencePlan,
    CompetencePlanGoal,
    CredentialCompetence,
    FindablePerson,
    FormalCredential,
    FrameworkLevel,
    Requirement,
)
from kollega.demo.seed import DemoContext, DemoPerson, demo_step
from kollega.extensions import db

D = dt.date
BASELINE_FROM = D(2024, 1, 1)
FUTURE_FROM = D(2027, 1, 1)
# Four rounds of assessment over a year and a half.
ROUNDS = (D(2024, 6, 3), D(2024, 12, 2), D(2025, 6, 2), D(2025, 11, 24))
CHUNK = 5000

# Municipality-wide baseline: what everyone needs.
BASELINE = {
    "digcomp-2.2:1.1": 3,
    "digcomp-2.2:2.1": 3,
    "digcomp-2.2:4.1": 3,
    "digcomp-2.2:4.2": 3,
    "privacy-1.0:1.1": 2,
    "privacy-1.0:1.2": 2,
    "privacy-1.0:1.4": 2,
    "privacy-1.0:1.5": 2,
    "collaboration-1.0:1.2": 1,
}
# Per division (applies to its subtree).
DIVISION_REQS: dict[str, dict[str, int]] = {
    "OPP": {"privacy-1.0:1.2": 3, "collaboration-1.0:1.1": 2, "digcomp-2.2:3.1": 3},
    "HO": {"privacy-1.0:1.2": 3, "privacy-1.0:1.3": 3, "privacy-1.0:1.5": 3},
    "VEL": {"privacy-1.0:1.2": 3, "privacy-1.0:1.3": 2, "collaboration-1.0:2.1": 2},
    "KIF": {"collaboration-1.0:2.1": 3, "collaboration-1.0:2.2": 2},
    "BSU": {"privacy-1.0:1.2": 1, "collaboration-1.0:1.3": 2, "digcomp-2.2:5.1": 3},
    "OHR": {"privacy-1.0:1.1": 3, "digcomp-2.2:1.3": 4},
    "OKO": {"privacy-1.0:1.1": 3, "digcomp-2.2:1.3": 4, "digcomp-2.2:3.4": 3},
    "DIG": {"privacy-1.0:1.4": 3, "digcomp-2.2:3.4": 4, "digcomp-2.2:5.1": 5},
}
# Per kind of unit (every kind gets at least one requirement).
TYPE_REQS: dict[str, dict[str, int]] = {
    "primary_school": {"digcomp-2.2:3.1": 4, "collaboration-1.0:1.1": 3},
    "lower_secondary_school": {"digcomp-2.2:3.1": 4, "digcomp-2.2:3.3": 3},
    "kindergarten": {"collaboration-1.0:1.1": 2, "privacy-1.0:1.2": 3},
    "ppt": {"privacy-1.0:1.3": 3, "privacy-1.0:1.6": 3},
    "health_centre": {"privacy-1.0:1.3": 4, "privacy-1.0:1.2": 4},
    "child_welfare": {"privacy-1.0:1.3": 4, "privacy-1.0:1.6": 3},
    "nursing_home": {"privacy-1.0:1.3": 3, "digcomp-2.2:2.1": 4},
    "home_care": {"privacy-1.0:1.3": 2, "digcomp-2.2:4.1": 4},
    "group_home": {"privacy-1.0:1.3": 3, "collaboration-1.0:1.1": 2},
    "mental_health": {"privacy-1.0:1.3": 4, "collaboration-1.0:1.3": 3},
    "emergency": {"privacy-1.0:1.3": 3, "digcomp-2.2:5.1": 4},
    "allocation": {"privacy-1.0:1.3": 3, "privacy-1.0:1.6": 3},
    "nav": {"privacy-1.0:1.6": 3, "digcomp-2.2:2.3": 4},
    "refugees": {"collaboration-1.0:2.1": 3, "digcomp-2.2:2.3": 4},
    "adult_education": {"digcomp-2.2:3.1": 4, "collaboration-1.0:1.1": 2},
    "library": {"digcomp-2.2:2.3": 5, "digcomp-2.2:3.3": 4},
    "culture_school": {"digcomp-2.2:3.1": 4, "collaboration-1.0:2.2": 3},
    "volunteer_centre": {"collaboration-1.0:2.2": 3, "collaboration-1.0:2.1": 3},
    "youth": {"collaboration-1.0:2.1": 3, "digcomp-2.2:2.6": 3},
    "events": {"collaboration-1.0:2.2": 3, "digcomp-2.2:3.1": 3},
    "water_roads": {"digcomp-2.2:5.1": 3, "digcomp-2.2:4.4": 3},
    "property": {"digcomp-2.2:4.4": 4, "collaboration-1.0:1.3": 2},
    "planning": {"collaboration-1.0:2.1": 3, "digcomp-2.2:1.2": 4},
    "parks": {"digcomp-2.2:4.4": 3, "collaboration-1.0:2.2": 2},
    "hr_services": {"privacy-1.0:1.3": 3, "privacy-1.0:1.6": 3},
    "organisation_development": {"leadership-1.0:1.1": 3, "collaboration-1.0:1.1": 3},
    "accounting": {"digcomp-2.2:1.3": 5, "digcomp-2.2:3.4": 3},
    "finance": {"digcomp-2.2:1.2": 5, "leadership-1.0:1.3": 3},
    "procurement": {"privacy-1.0:2.1": 3, "digcomp-2.2:4.4": 3},
    "it_operations": {"digcomp-2.2:4.1": 6, "digcomp-2.2:5.1": 6},
    "digital_development": {"digcomp-2.2:3.4": 6, "digcomp-2.2:5.3": 5, "privacy-1.0:2.1": 3},
    "information_security": {"privacy-1.0:2.2": 4, "privacy-1.0:1.4": 4, "digcomp-2.2:4.1": 6},
}
DEFAULT_TYPE_REQS = {"digcomp-2.2:2.4": 3}
# "From 2027 all in home care at privacy level 3": future needs.
FUTURE_TYPE_REQS: dict[str, dict[str, int]] = {
    "home_care": {"privacy-1.0:1.3": 3},
    "nursing_home": {"digcomp-2.2:5.4": 3},
    "primary_school": {"privacy-1.0:1.3": 3},
}
LEADER_JOBS = (
    "kommunedirektor",
    "kommunalsjef",
    "stabsdirektor",
    "virksomhetsleder",
    "rektor",
    "styrer",
    "avdelingsleder",
)
LEADER_REQS = {
    "leadership-1.0:1.1": 2,
    "leadership-1.0:1.2": 2,
    "leadership-1.0:2.1": 3,
    "leadership-1.0:2.2": 2,
    "privacy-1.0:2.1": 2,
}
LEADER_FUTURE = {"leadership-1.0:1.1": 3, "leadership-1.0:2.3": 3}
# Kinds of units where competence grows over the rounds (development measures work).
GROWING = {
    "home_care",
    "nursing_home",
    "primary_school",
    "library",
    "nav",
    "it_operations",
    "kindergarten",
}
CERTIFICATES = {
    # unit type -> (kind, title, issuer, years valid or None, [(code, level)])
    "home_care": (
        "certificate",
        "Kurs i legemiddelhåndtering",
        "Drammen kommune",
        2,
        [("privacy-1.0:1.3", 2)],
    ),
    "nursing_home": (
        "certificate",
        "Førstehjelp og HLR",
        "Norsk Førstehjelpsråd",
        2,
        [("privacy-1.0:1.5", 2)],
    ),
    "emergency": (
        "certificate",
        "Førstehjelp og HLR",
        "Norsk Førstehjelpsråd",
        1,
        [("privacy-1.0:1.5", 2)],
    ),
    "it_operations": (
        "certificate",
        "Sertifisert sikkerhetsadministrator",
        "NSM",
        3,
        [("digcomp-2.2:4.1", 6)],
    ),
    "information_security": (
        "certificate",
        "Personvernrådgiver (sertifisering)",
        "Datatilsynet-godkjent kurs",
        3,
        [("privacy-1.0:2.2", 4), ("privacy-1.0:1.1", 4)],
    ),
    "kindergarten": (
        "course",
        "Personvern i barnehagen",
        "KS læring",
        None,
        [("privacy-1.0:1.2", 2)],
    ),
}


def _ancestors(ctx: DemoContext) -> dict[int, list[int]]:
    by_id = {u.id: u for u in ctx.units}
    return {u.id: [int(x) for x in u.path.strip("/").split("/") if x] for u in by_id.values()}


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start : start + CHUNK])


def _req_rows(ctx: DemoContext, codes: dict[str, int]) -> list[dict[str, Any]]:
    """Requirements for units and leader jobs; also returns nothing else (rows to insert)."""
    rows: list[dict[str, Any]] = []
    root = ctx.units_of_kind("municipality")[0]

    def add(unit_id: int | None, job: str | None, code: str, level: int, start: dt.date) -> None:
        if code not in codes:
            return
        rows.append(
            {
                "scope_type": "unit" if unit_id else "job",
                "unit_id": unit_id,
                "job_code": job,
                "competence_id": codes[code],
                "level": level,
                "effective_from": start,
                "effective_until": None,
                "note": "",
                "set_by_id": None,
            }
        )

    for code, level in BASELINE.items():
        add(root.id, None, code, level, BASELINE_FROM)
    for div in ctx.units_of_kind("division"):
        for code, level in DIVISION_REQS.get(div.code, {}).items():
            add(div.id, None, code, level, BASELINE_FROM)
    for unit in ctx.units_of_kind("unit"):
        for code, level in TYPE_REQS.get(unit.type, DEFAULT_TYPE_REQS).items():
            add(unit.id, None, code, level, D(2024, 8, 1))
        for code, level in FUTURE_TYPE_REQS.get(unit.type, {}).items():
            add(unit.id, None, code, level, FUTURE_FROM)
    jobs = {p.job_code for p in ctx.people if p.job_code}
    for job in LEADER_JOBS:
        if job not in jobs:
            continue
        for code, level in LEADER_REQS.items():
            add(None, job, code, level, BASELINE_FROM)
        for code, level in LEADER_FUTURE.items():
            add(None, job, code, level, D(2026, 8, 1))
    return rows


@demo_step
def competence(ctx: DemoContext) -> None:
    """Frameworks, requirements, assessment history, certificates, findable experts."""
    sync_frameworks()
    codes = dict(db.session.execute(sa.select(Competence.code, Competence.id)).all())
    tops = dict(
        db.session.execute(
            sa.select(Competence.id, sa.func.max(FrameworkLevel.level))
            .join(FrameworkLevel, FrameworkLevel.framework_id == Competence.framework_id)
            .group_by(Competence.id)
        ).all()
    )
    req_rows = _req_rows(ctx, codes)
    _insert(Requirement, req_rows)

    rng = ctx.rng
    ancestors = _ancestors(ctx)
    unit_type = {u.id: u.type for u in ctx.units}
    # The catalogue kind of each person's unit (departments take their unit's kind).
    kind_of: dict[int, str] = {}
    for u in ctx.units:
        t = u.type
        if u.kind == "department" and u.parent_id is not None:
            t = unit_type.get(u.parent_id, t)
        kind_of[u.id] = t
    by_unit: dict[int, dict[int, int]] = {}
    by_job: dict[str, dict[int, int]] = {}
    for r in req_rows:
        if r["effective_from"] >= FUTURE_FROM:
            continue
        target = (
            by_unit.setdefault(r["unit_id"], {})
            if r["unit_id"]
            else by_job.setdefault(r["job_code"], {})
        )
        target[r["competence_id"]] = max(target.get(r["competence_id"], 0), r["level"])
    leader_of = {p.id: p for p in ctx.people}
    unit_leader = {u.id: u.leader_id for u in ctx.units}
    all_ids = sorted(codes.values())

    assessments: list[dict[str, Any]] = []
    strong: list[tuple[int, int]] = []  # (person, competence) at a high level
    for person in ctx.people:
        if person.unit_id is None:
            continue
        required: dict[int, int] = {}
        for uid in ancestors.get(person.unit_id, []):
            for cid, level in by_unit.get(uid, {}).items():
                required[cid] = max(required.get(cid, 0), level)
        for cid, level in by_job.get(person.job_code or "", {}).items():
            required[cid] = max(required.get(cid, 0), level)
        chosen = sorted(required)
        rng.shuffle(chosen)
        chosen = chosen[:6] + rng.sample(all_ids, 1)
        grows = kind_of.get(person.unit_id) in GROWING
        reviewer = _reviewer(person, unit_leader, ancestors, leader_of)
        takes_part = rng.random() < 0.85
        if not takes_part:
            continue
        first_round = rng.choice((0, 0, 0, 1, 2))
        for cid in sorted(set(chosen)):
            top = int(tops.get(cid, 4))
            want = required.get(cid, max(1, top // 3))
            level = max(1, min(top, want + rng.choice((-2, -1, -1, 0, 0, 1))))
            for n in range(first_round, len(ROUNDS)):
                if rng.random() < 0.2:
                    continue  # skipped this round
                day = ROUNDS[n] + dt.timedelta(days=rng.randrange(0, 25))
                if n > first_round:
                    step = rng.choice((0, 1, 1)) if grows else rng.choice((-1, 0, 0, 0, 1))
                    level = max(1, min(top, level + step))
                self_level = max(1, min(top, level + rng.choice((0, 0, 1))))
                assessments.append(_row(person.id, cid, self_level, "self", day, person.id))
                if reviewer is not None and rng.random() < 0.6:
                    review_day = day + dt.timedelta(days=rng.randrange(3, 30))
                    assessments.append(
                        _row(person.id, cid, level, "leader", review_day, reviewer, note="")
                    )
            if level >= max(3, top - 2):
                strong.append((person.id, cid))
    _insert(Assessment, assessments)

    _credentials(ctx, kind_of, codes, tops)
    _findable(ctx, strong)
    _plans(ctx, req_rows)
    db.session.flush()


def _reviewer(
    person: DemoPerson,
    unit_leader: dict[int, int | None],
    ancestors: dict[int, list[int]],
    people: dict[int, DemoPerson],
) -> int | None:
    """The nearest leader above the person (not themself)."""
    if person.unit_id is None:
        return None
    for uid in reversed(ancestors.get(person.unit_id, [])):
        lid = unit_leader.get(uid)
        if lid is not None and lid != person.id:
            return lid
    return None


def _row(
    pid: int, cid: int, level: int, source: str, day: dt.date, assessor: int | None, note: str = ""
) -> dict[str, Any]:
    return {
        "person_id": pid,
        "competence_id": cid,
        "level": level,
        "source": source,
        "assessed_on": day,
        "assessor_id": assessor,
        "note": note,
        "evidence_url": None,
        "reviews_id": None,
        "credential_id": None,
    }


def _credentials(
    ctx: DemoContext, kind_of: dict[int, str], codes: dict[str, int], tops: dict[int, int]
) -> None:
    """Certificates for some people in some kinds of units: a few expired, a few expiring
    around the turn of the year 2026/27, most valid."""
    rng = ctx.rng
    creds: list[dict[str, Any]] = []
    links: list[tuple[int, list[tuple[int, int]]]] = []
    for person in ctx.people:
        spec = CERTIFICATES.get(kind_of.get(person.unit_id or 0, ""))
        if spec is None or rng.random() > 0.35:
            continue
        kind, title, issuer, years, comps = spec
        issued = D(2021, 1, 15) + dt.timedelta(days=rng.randrange(0, 1700))
        expires = None
        if years:
            expires = D(issued.year + years, issued.month, min(issued.day, 28))
        creds.append(
            {
                "person_id": person.id,
                "kind": kind,
                "title": title,
                "issuer": issuer,
                "issued_on": issued,
                "expires_on": expires,
                "evidence_url": None,
                "registered_by_id": None,
            }
        )
        links.append(
            (
                person.id,
                [(codes[c], min(lv, tops.get(codes[c], lv))) for c, lv in comps if c in codes],
            )
        )
    if not creds:
        return
    before = db.session.scalar(sa.select(sa.func.max(FormalCredential.id))) or 0
    _insert(FormalCredential, creds)
    ids = list(
        db.session.scalars(
            sa.select(FormalCredential.id)
            .where(FormalCredential.id > before)
            .order_by(FormalCredential.id)
        )
    )
    cc_rows, formal = [], []
    for cred_id, cred, (pid, comps) in zip(ids, creds, links, strict=False):
        for cid, level in comps:
            cc_rows.append({"credential_id": cred_id, "competence_id": cid, "level": level})
            row = _row(pid, cid, level, "formal", cred["issued_on"], None, cred["title"])
            row["credential_id"] = cred_id
            formal.append(row)
    _insert(CredentialCompetence, cc_rows)
    _insert(Assessment, formal)


def _findable(ctx: DemoContext, strong: list[tuple[int, int]]) -> None:
    """A few people strong in something chose to be findable as experts."""
    people = sorted({pid for pid, _cid in strong})
    if not people:
        return
    n = max(5, min(80, len(people) // 40))
    chosen = ctx.rng.sample(people, min(n, len(people)))
    _insert(FindablePerson, [{"person_id": pid} for pid in sorted(chosen)])


def _plans(ctx: DemoContext, req_rows: Iterable[dict[str, Any]]) -> None:
    """A 2025 competence plan for a few units, with goals linked to requirements."""
    rng = ctx.rng
    units = [u for u in ctx.units_of_kind("unit") if u.type in GROWING]
    for unit in rng.sample(units, min(6, len(units))):
        plan = CompetencePlan(
            unit_id=unit.id,
            year=2025,
            status="active",
            summary="Prioritert: personvern i praksis og digital samhandling.",
            created_by_id=unit.leader_id,
        )
        db.session.add(plan)
        db.session.flush()
        plan.goals.append(
            CompetencePlanGoal(
                focus_area="privacy",
                goal="Alle ansatte er trygge på taushetsplikt og avviksmelding.",
                measure="E-læring og læringsstopp på personalmøtet",
                measure_kind="develop",
                responsible_id=unit.leader_id,
                status="in_progress",
            )
        )
        plan.goals.append(
            CompetencePlanGoal(
                focus_area="collaboration",
                goal="Kollegaveiledning i alle team.",
                measure="Lærende nettverk på tvers av avdelinger",
                measure_kind="mobilise",
                responsible_id=unit.leader_id,
                status="planned",
            )
        )
