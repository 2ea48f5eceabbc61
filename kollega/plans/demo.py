"""Demo data for the strategic competence plan (a step of ``kollega seed demo``).

A municipality plan 2026–2029 with the first steps under way, and a plan for Helse og
omsorg 2026–2029 with residents over 80 as demand driver (FTE ratios derived from the
division's nurses and health workers today, so that need grows with the driver),
measures of all four kinds (some in progress) and three scenarios: low demand,
expected, and high demand with retirement at 62. Built through the services as HR, in
fixed data; nothing random, so the same seed gives the same plans.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.competence.models import Competence
from kollega.demo.seed import DemoContext, demo_step
from kollega.extensions import db
from kollega.networks.models import Network
from kollega.org.models import OrgUnit, Person
from kollega.plans import services
from kollega.training.models import Training

D = dt.date
# Residents over 80 in a Drammen-sized municipality, a little growth each year.
OVER_80 = {2026: 4_850, 2027: 5_080, 2028: 5_360, 2029: 5_690}
CARE_RATIOS = ("sykepleier", "helsefagarbeider")


def _hr(ctx: DemoContext) -> Person:
    hr_id = ctx.accounts.get("hr")
    hr = db.session.get(Person, hr_id) if hr_id else None
    if hr is None:
        hr = db.session.scalar(sa.select(Person).where(Person.role_rows.any(role="hr")))
    assert hr is not None, "the demo has an HR person"
    return hr


def _unit(code: str) -> OrgUnit | None:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))


def _competence(*codes: str) -> str | None:
    for code in codes:
        if db.session.scalar(sa.select(Competence.id).where(Competence.code == code)):
            return code
    return None


@demo_step
def plans(ctx: DemoContext) -> None:
    """A municipality plan and a plan for Helse og omsorg with drivers, measures and
    scenarios."""
    hr = _hr(ctx)
    root = _unit(ctx.units_of_kind("municipality")[0].code)
    assert root is not None
    municipality = services.create_plan(
        hr, root, "Strategisk kompetanseplan 2026–2029", D(2026, 1, 1), D(2029, 12, 31)
    )
    services.update_plan(hr, municipality, status="active", shared=True)
    services.update_step(
        hr,
        municipality,
        1,
        status="done",
        notes="Prosjektgruppen møtes månedlig fram til planen er vedtatt.",
        owner_id=hr.id,
        details={
            "project_group": "HR-sjef, to kommunalsjefer, to virksomhetsledere",
            "union_representative": "Hovedtillitsvalgt, Fagforbundet",
            "safety_representative": "Hovedverneombud",
            "mandate": "Kommunedirektørens mandat av januar 2026",
        },
    )
    services.update_step(
        hr,
        municipality,
        2,
        status="in_progress",
        details={"decision": "Oppstart vedtatt i formannskapet", "decided_on": "2026-02-10"},
    )
    services.update_step(
        hr,
        municipality,
        3,
        status="in_progress",
        notes="Bygger på kommuneplanens samfunnsdel og arbeidsgiverpolitikken.",
        details={"strategy_goals": "Strategisk kompetansestyring; Den lærende organisasjonen"},
    )
    privacy = _competence("privacy-1.0:1.2", "privacy-1.0:1.1")
    services.add_measure(
        hr,
        municipality,
        services.MeasureInput(
            kind="develop",
            title="Personvern for alle ansatte",
            description="E-læring og læringsstopp i alle virksomheter.",
            cost=250_000,
            owner_id=hr.id,
            starts_on=D(2026, 3, 1),
            ends_on=D(2027, 6, 30),
            status="in_progress",
            effects=[(privacy, 300, 3)] if privacy else [],
        ),
    )

    ho_code = next((u.code for u in ctx.units if u.code == "HO"), None)
    ho = _unit(ho_code) if ho_code else None
    if ho is None:
        return
    leader_id = next((u.leader_id for u in ctx.units if u.code == "HO"), None)
    plan = services.create_plan(
        hr,
        ho,
        "Kompetanse- og bemanningsplan Helse og omsorg 2026–2029",
        D(2026, 1, 1),
        D(2029, 12, 31),
    )
    services.update_plan(hr, plan, status="active", retirement_age=67, turnover=0.09)
    for number, status in ((1, "done"), (2, "done"), (3, "done"), (4, "done"), (5, "in_progress")):
        services.update_step(hr, plan, number, status=status, owner_id=leader_id)
    services.update_step(
        hr,
        plan,
        5,
        status="in_progress",
        owner_id=leader_id,
        notes="Analysen bruker innbyggere over 80 som driver for sykepleiere og helsefagarbeidere.",
    )
    staff = services.staff_frame(plan)
    ratios = {}
    for job in CARE_RATIOS:
        fte = float(staff.loc[staff["job_code"] == job, "fte"].sum())
        if fte:
            ratios[job] = round(fte / OVER_80[2026], 5)
    driver = services.add_driver(
        hr, plan, "Innbyggere over 80 år", "innbyggere", dict(OVER_80), ratios
    )
    network = db.session.scalar(sa.select(Network).order_by(Network.id).limit(1))
    training = db.session.scalar(sa.select(Training).order_by(Training.id).limit(1))
    health_privacy = _competence("privacy-1.0:1.3", "privacy-1.0:1.2")
    welfare_tech = _competence("digcomp-2.2:2.1", "digcomp-2.2:1.1")
    measures = [
        services.MeasureInput(
            kind="mobilise",
            title="Flere heltidsstillinger for helsefagarbeidere",
            description="Øke stillingsstørrelser for dem som ønsker det (heltidskultur).",
            network_id=network.id if network else None,
            owner_id=leader_id,
            starts_on=D(2026, 8, 1),
            status="in_progress",
            job_code="helsefagarbeider",
            fte_change=6.0,
        ),
        services.MeasureInput(
            kind="develop",
            title="Velferdsteknologi og personvern i helsehusene",
            training_id=training.id if training else None,
            cost=180_000,
            owner_id=leader_id,
            starts_on=D(2026, 9, 1),
            ends_on=D(2027, 12, 31),
            status="in_progress",
            effects=[
                e for e in ((health_privacy, 40, 3), (welfare_tech, 30, 4)) if e[0] is not None
            ],  # type: ignore[misc]
        ),
        services.MeasureInput(
            kind="recruit",
            title="Rekruttering av sykepleiere med lærlinge- og studentordning",
            recruitment="Samarbeid med USN om praksisplasser og sommerjobb",
            cost=400_000,
            owner_id=leader_id,
            starts_on=D(2027, 1, 1),
            status="planned",
            job_code="sykepleier",
            fte_change=8.0,
        ),
        services.MeasureInput(
            kind="phase_out",
            title="Avvikle manuelle vaktlister",
            description="Digital turnus frigjør tid til pasientrettet arbeid.",
            cost=60_000,
            owner_id=leader_id,
            starts_on=D(2027, 1, 1),
            ends_on=D(2027, 6, 30),
            status="planned",
            job_code="helsefagarbeider",
            fte_change=2.0,
        ),
    ]
    added = [services.add_measure(hr, plan, m) for m in measures]
    services.add_scenario(
        hr,
        plan,
        "Lav etterspørsel",
        retirement_age=67,
        turnover=0.08,
        driver_multipliers={driver.id: 0.95},
        description="Færre eldre med behov for tjenester enn ventet.",
    )
    services.add_scenario(
        hr,
        plan,
        "Forventet",
        retirement_age=67,
        turnover=0.09,
        driver_multipliers={driver.id: 1.0},
    )
    services.add_scenario(
        hr,
        plan,
        "Høy etterspørsel, pensjon ved 62",
        retirement_age=62,
        turnover=0.11,
        driver_multipliers={driver.id: 1.1},
        measure_ids=[m.id for m in added if m.kind != "recruit"],
        description="Flere eldre, tidligere avgang og rekrutteringen lykkes ikke.",
    )
