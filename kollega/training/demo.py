"""Demo data for the training catalogue (a step of ``kollega seed demo``).

A realistic catalogue for a Norwegian municipality: KS e-learning, the municipality's own
privacy and digital judgement courses, welfare technology for health workers, further
education with the national funding schemes (Kompetanseløftet, Kompetanse for kvalitet)
and their links, leadership training and mentoring. Sessions are placed in the weeks
around the day the demo is built (so there is always something to enrol in), some full
with a waiting list; one session has just ended, its participants from the demo
leader's unit completed it and their proposed levels wait for the leader's confirmation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kollega.demo.seed import DemoContext, demo_step
from kollega.extensions import db
from kollega.org.models import Person
from kollega.training import services
from kollega.training.models import Enrolment, TrainingSession

KOMPETANSELOFTET = (
    "Kompetanseløftet 2025 (Helsedirektoratet)",
    "https://www.helsedirektoratet.no/tilskudd/kompetanse-og-innovasjonstilskudd-til-kommunene",
)
KOMPETANSE_FOR_KVALITET = (
    "Kompetanse for kvalitet (Udir)",
    "https://www.udir.no/kvalitet-og-kompetanse/etter-og-videreutdanning/",
)
STATSFORVALTEREN = (
    "Kompetanse- og innovasjonstilskuddet (Statsforvalteren)",
    "https://www.statsforvalteren.no/",
)

# Who a course is meant for (``kollega.training.audience``): job codes and division
# codes; a course without ``jobs`` and ``divisions`` is for everyone (the digital,
# privacy and collaboration basics). Miljøterapeuter work in schools as well as in
# care, so health courses reach them through the division.
HEALTH_JOBS = (
    "sykepleier",
    "helsefagarbeider",
    "vernepleier",
    "helsesykepleier",
    "jordmor",
    "lege",
)
KINDERGARTEN_JOBS = ("barnehagelaerer", "pedagogisk_leder", "styrer")
TEACHER_JOBS = ("laerer", "lektor", "spesialpedagog")
LEADER_JOBS = (
    "kommunedirektor",
    "kommunalsjef",
    "stabsdirektor",
    "virksomhetsleder",
    "rektor",
    "styrer",
    "avdelingsleder",
    "pedagogisk_leder",
)
# Fagarbeidere work in kitchens and buildings too: the technical division covers those
# in water and roads.
TECHNICAL_JOBS = ("ingenior", "driftsoperator")

# title, provider, format, hours, cost, funding, [(code, from, to)], description,
# sessions: [(weeks from today, duration hours, place, seats or None)], jobs, divisions
CATALOGUE: list[dict[str, Any]] = [
    {
        "title": "Personvern i praksis",
        "provider": "KS Læring",
        "format": "e-learning",
        "hours": 2,
        "lifts": [("privacy-1.0:1.1", 1, 2), ("privacy-1.0:1.2", 1, 2), ("privacy-1.0:1.5", 1, 2)],
        "description": "Grunnkurs i personvern for alle ansatte: hva personopplysninger er, "
        "taushetsplikt i hverdagen og hvordan du melder avvik.",
        "sessions": [(-8, 24 * 7 * 52, "Nett (KS Læring)", None)],
    },
    {
        "title": "KS e-læring: Informasjonssikkerhet for alle",
        "provider": "KS Læring",
        "format": "e-learning",
        "hours": 1.5,
        "lifts": [("digcomp-2.2:4.1", 1, 3), ("privacy-1.0:1.4", 1, 3)],
        "description": "Passord, phishing, sikker bruk av mobil og Teams.",
        "sessions": [(-4, 24 * 7 * 52, "Nett (KS Læring)", None)],
    },
    {
        "title": "Taushetsplikt og helseopplysninger i hjemmetjenesten",
        "provider": "Drammen kommune, personvernombudet",
        "format": "course",
        "hours": 6,
        "lifts": [("privacy-1.0:1.3", 1, 3), ("privacy-1.0:1.2", 2, 3)],
        "description": "Dagskurs med case fra hjemmetjenesten og sykehjem: journal, "
        "pårørende, velferdsteknologi og deling av helseopplysninger.",
        "sessions": [
            (-1, 6, "Rådhuset, møterom Tangen", 20),
            (3, 6, "Rådhuset, møterom Tangen", 6),
            (9, 6, "Helsehuset, auditoriet", 30),
        ],
        "jobs": HEALTH_JOBS,
        "divisions": ("HO",),
    },
    {
        "title": "Digital dømmekraft",
        "provider": "Drammen kommune, Digitalisering",
        "format": "workshop",
        "hours": 3,
        "lifts": [("digcomp-2.2:1.2", 1, 3), ("digcomp-2.2:2.5", 1, 3), ("digcomp-2.2:4.2", 1, 3)],
        "description": "Verksted om kildekritikk, nettvett, kunstig intelligens i arbeidshverdagen "
        "og å beskytte personopplysninger i digitale verktøy.",
        "sessions": [(2, 3, "Biblioteket, Strømsø", 25), (6, 3, "Teams", 80)],
    },
    {
        "title": "Velferdsteknologi for helsefagarbeidere (Velferdsteknologiens ABC)",
        "provider": "KS og Utviklingssenter for sykehjem og hjemmetjenester",
        "format": "course",
        "hours": 30,
        "funding": KOMPETANSELOFTET,
        "lifts": [("digcomp-2.2:5.2", 1, 3), ("digcomp-2.2:2.1", 2, 4)],
        "description": "Studiehefter og samlinger i arbeidstiden: trygghetsteknologi, "
        "digitalt tilsyn, medisineringsstøtte og tjenesteinnovasjon.",
        "sessions": [(4, 30, "Helsehuset", 24)],
        "jobs": HEALTH_JOBS,
        "divisions": ("HO",),
    },
    {
        "title": "Fagskoleutdanning i velferdsteknologi",
        "provider": "Fagskolen i Viken",
        "format": "further_education",
        "hours": 400,
        "cost": 0,
        "funding": KOMPETANSELOFTET,
        "lifts": [("digcomp-2.2:5.2", 2, 4), ("digcomp-2.2:5.1", 2, 4)],
        "description": "Deltidsstudium (30 studiepoeng) for helsefagarbeidere, samlingsbasert.",
        "sessions": [(10, 24 * 7 * 40, "Fagskolen i Viken, Drammen", 8)],
        "jobs": ("helsefagarbeider",),
        "divisions": ("HO",),
    },
    {
        "title": "Videreutdanning for lærere: Profesjonsfaglig digital kompetanse",
        "provider": "Universitetet i Sørøst-Norge (USN)",
        "format": "further_education",
        "hours": 400,
        "funding": KOMPETANSE_FOR_KVALITET,
        "lifts": [("digcomp-2.2:3.1", 2, 4), ("digcomp-2.2:3.3", 2, 4)],
        "description": "15 + 15 studiepoeng. Vikarordning eller stipend gjennom Kompetanse "
        "for kvalitet; søk innen fristen hos Udir.",
        "sessions": [(12, 24 * 7 * 40, "USN campus Drammen", 12)],
        "jobs": TEACHER_JOBS,
    },
    {
        "title": "Kollegaveiledning og refleksjon i lærende nettverk",
        "provider": "Drammen kommune, HR og organisasjon",
        "format": "workshop",
        "hours": 4,
        "lifts": [("collaboration-1.0:1.1", 1, 3), ("collaboration-1.0:1.2", 1, 3)],
        "description": "Hvordan vi lærer av hverandre: refleksjonsmodeller, tilbakemelding og "
        "læringsstopp i årshjulet.",
        "sessions": [(1, 4, "Rådhuset, storsalen", 40), (8, 4, "Rådhuset, storsalen", 40)],
    },
    {
        "title": "Samskaping og innbyggermedvirkning",
        "provider": "KS",
        "format": "workshop",
        "hours": 6,
        "funding": STATSFORVALTEREN,
        "lifts": [("collaboration-1.0:2.1", 1, 3), ("collaboration-1.0:2.2", 1, 3)],
        "description": "Metoder for å involvere innbyggere, frivillige og næringsliv.",
        "sessions": [(5, 6, "Union Scene", 30)],
    },
    {
        "title": "Strategisk kompetanseplanlegging med KS' sjutrinnsmodell",
        "provider": "KS",
        "format": "course",
        "hours": 12,
        "lifts": [
            ("leadership-1.0:1.1", 1, 3),
            ("leadership-1.0:1.2", 1, 3),
            ("leadership-1.0:1.3", 1, 3),
        ],
        "description": "For ledere: kompetanse- og bemanningsanalyse, gap, tiltak og "
        "tilskuddsordninger, med egen enhet som case.",
        "sessions": [(3, 12, "Rådhuset, møterom Bragernes", 20)],
        "jobs": LEADER_JOBS,
    },
    {
        "title": "Mentorordning for nye ledere",
        "provider": "Drammen kommune, HR og organisasjon",
        "format": "mentoring",
        "hours": 20,
        "lifts": [("leadership-1.0:2.1", 1, 3), ("leadership-1.0:2.2", 1, 3)],
        "description": "Et halvt år med en erfaren leder som mentor: utviklingssamtaler og å "
        "lede en lærende organisasjon.",
        "sessions": [(2, 24 * 7 * 26, "Etter avtale", 10)],
        "jobs": LEADER_JOBS,
    },
    {
        "title": "Risikovurdering og DPIA i praksis",
        "provider": "Drammen kommune, personvernombudet",
        "format": "course",
        "hours": 6,
        "lifts": [("privacy-1.0:2.2", 1, 3), ("privacy-1.0:2.1", 1, 3)],
        "description": "For ledere og prosjektledere som innfører nye digitale løsninger.",
        "sessions": [(7, 6, "Rådhuset, møterom Tangen", 16)],
        "jobs": (*LEADER_JOBS, "prosjektleder", "it_konsulent", "systemutvikler"),
        "divisions": ("DIG",),
    },
    {
        "title": "Legemiddelhåndtering for helsepersonell",
        "provider": "KS Læring",
        "format": "e-learning",
        "hours": 3,
        "lifts": [("privacy-1.0:1.5", 1, 3)],
        "description": "Trygg legemiddelhåndtering etter forskriften: ansvar, dobbeltkontroll, "
        "avvik og læring av hendelser.",
        "sessions": [(-2, 24 * 7 * 52, "Nett (KS Læring)", None)],
        "jobs": HEALTH_JOBS,
    },
    {
        "title": "Språkmiljø i barnehagen",
        "provider": "Utdanningsdirektoratet (Språkløyper)",
        "format": "workshop",
        "hours": 6,
        "funding": KOMPETANSE_FOR_KVALITET,
        "lifts": [("collaboration-1.0:1.2", 1, 3)],
        "description": "Barnehagebasert kompetanseutvikling om språkarbeid for alle barn, også "
        "de som lærer norsk som andrespråk.",
        "sessions": [(3, 6, "Bragernes barnehage", 30), (10, 6, "Teams", 60)],
        "jobs": KINDERGARTEN_JOBS,
    },
    {
        "title": "VA-beredskap og avvikshåndtering",
        "provider": "Norsk Vann",
        "format": "course",
        "hours": 7,
        "lifts": [("privacy-1.0:1.5", 1, 3)],
        "description": "Beredskapsplaner, øvelser og melding og oppfølging av avvik i vann- "
        "og avløpstjenesten.",
        "sessions": [(5, 7, "Rådhuset, møterom Bragernes", 20)],
        "jobs": TECHNICAL_JOBS,
        "divisions": ("BSU",),
    },
]


def _at(today: dt.date, weeks: int, hour: int = 9) -> dt.datetime:
    day = today + dt.timedelta(weeks=weeks)
    # Nine in the morning, Norwegian time (UTC+1 in winter; close enough for demo data).
    return dt.datetime.combine(day, dt.time(hour - 1), tzinfo=dt.UTC)


@demo_step
def training(ctx: DemoContext) -> None:
    """The training catalogue with sessions, enrolments, a waiting list and completions."""
    hr = db.session.get(Person, ctx.accounts.get("hr")) if ctx.accounts.get("hr") else None
    if hr is None:
        hr = db.session.scalar(sa.select(Person).where(Person.role_rows.any(role="hr")))
    assert hr is not None, "the demo has an HR person"
    today = dt.datetime.now(dt.UTC).date()
    sessions: list[tuple[dict[str, Any], TrainingSession]] = []
    for item in CATALOGUE:
        funding = item.get("funding") or (None, None)
        t = services.save_training(
            hr,
            services.TrainingData(
                title=item["title"],
                provider=item["provider"],
                format=item["format"],
                hours=float(item["hours"]),
                cost=int(item.get("cost", 0)),
                language="nb",
                funding_scheme=funding[0],
                funding_url=funding[1],
                description=item["description"],
                competences=tuple(services.CompetenceLift(*lift) for lift in item["lifts"]),
                audience_jobs=tuple(item.get("jobs", ())),
                audience_units=tuple(
                    u.id for u in ctx.units if u.code in item.get("divisions", ())
                ),
            ),
        )
        for weeks, hours, place, seats in item["sessions"]:
            start = _at(today, weeks)
            s = services.add_session(hr, t, start, start + dt.timedelta(hours=hours), place, seats)
            sessions.append((item, s))
    db.session.flush()
    _enrolments(ctx, hr, sessions, today)


def _enrolments(
    ctx: DemoContext,
    hr: Person,
    sessions: list[tuple[dict[str, Any], TrainingSession]],
    today: dt.date,
) -> None:
    rng = ctx.rng
    employees = [p for p in ctx.people if p.unit_id is not None and "guest" not in p.roles]
    if not employees:
        return
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    leader = ctx.person(ctx.accounts["leader"]) if "leader" in ctx.accounts else None
    team = (
        [p for u in leader.leads for p in ctx.people_in(u, subtree=True) if p.id != leader.id]
        if leader
        else []
    )
    just_ended = None
    for _item, s in sessions:
        if s.ends_at < now:
            just_ended = just_ended or s
            continue
        if s.seats is None:
            take = rng.randint(15, 40)
        else:
            # Some sessions fill up and get a waiting list.
            take = s.seats + rng.randint(1, 4) if rng.random() < 0.35 else rng.randint(0, s.seats)
        chosen = rng.sample(employees, min(take, len(employees)))
        for i, person in enumerate(chosen):
            waiting = s.seats is not None and i >= s.seats
            rows.append(
                {
                    "session_id": s.id,
                    "person_id": person.id,
                    "status": "waitlisted" if waiting else "enrolled",
                    "queued_at": now - dt.timedelta(days=30) + dt.timedelta(minutes=i),
                }
            )
    if rows:
        db.session.execute(sa.insert(Enrolment), rows)
    if just_ended is not None and team:
        # The leader's people took the course that just ended; completion proposes levels.
        for person in team[: min(4, len(team))]:
            enrolment = Enrolment(
                session_id=just_ended.id,
                person_id=person.id,
                status="enrolled",
                queued_at=now - dt.timedelta(days=40),
            )
            db.session.add(enrolment)
            db.session.flush()
            services.complete(hr, enrolment, just_ended.ends_at.date())
    db.session.flush()
