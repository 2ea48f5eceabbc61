"""What the demo municipality is made of: divisions, kinds of units, job codes, places.

Modelled on Drammen kommune (about 6,500 employees, see ``shared/seeds``): service divisions
(kommunalsjefsområder) and staff areas (stabsområder), each with the kinds of units such a
municipality runs. ``share`` is a kind's part of the whole workforce and ``size`` the
headcount of a typical unit of that kind; ``seed.py`` turns them into a number of units
that grows with the number of employees. Names and titles are Norwegian because they are
data, not user interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Job codes (stored in ``Person.job_code``, used by requirements with scope_type ``job``)
# and their Norwegian titles.
JOB_TITLES: dict[str, str] = {
    "kommunedirektor": "Kommunedirektør",
    "kommunalsjef": "Kommunalsjef",
    "stabsdirektor": "Stabsdirektør",
    "virksomhetsleder": "Virksomhetsleder",
    "rektor": "Rektor",
    "styrer": "Styrer",
    "avdelingsleder": "Avdelingsleder",
    "pedagogisk_leder": "Pedagogisk leder",
    "laerer": "Lærer",
    "lektor": "Lektor",
    "spesialpedagog": "Spesialpedagog",
    "barnehagelaerer": "Barnehagelærer",
    "barne_ungdomsarbeider": "Barne- og ungdomsarbeider",
    "assistent": "Assistent",
    "miljoterapeut": "Miljøterapeut",
    "sykepleier": "Sykepleier",
    "helsesykepleier": "Helsesykepleier",
    "jordmor": "Jordmor",
    "helsefagarbeider": "Helsefagarbeider",
    "vernepleier": "Vernepleier",
    "fysioterapeut": "Fysioterapeut",
    "ergoterapeut": "Ergoterapeut",
    "lege": "Lege",
    "psykolog": "Psykolog",
    "sosionom": "Sosionom",
    "barnevernspedagog": "Barnevernspedagog",
    "veileder": "Veileder",
    "saksbehandler": "Saksbehandler",
    "konsulent": "Konsulent",
    "radgiver": "Rådgiver",
    "hr_radgiver": "HR-rådgiver",
    "lonnskonsulent": "Lønnskonsulent",
    "okonomiradgiver": "Økonomirådgiver",
    "regnskapskonsulent": "Regnskapskonsulent",
    "innkjoper": "Innkjøper",
    "it_konsulent": "IT-konsulent",
    "systemutvikler": "Systemutvikler",
    "bibliotekar": "Bibliotekar",
    "kulturskolelaerer": "Kulturskolelærer",
    "ingenior": "Ingeniør",
    "arealplanlegger": "Arealplanlegger",
    "driftsoperator": "Driftsoperatør",
    "fagarbeider": "Fagarbeider",
    "renholder": "Renholder",
    "prosjektleder": "Prosjektleder",
    "helsesekretaer": "Helsesekretær",
}

# Jobs that need a degree: nobody holds them before 23.
GRADUATE_JOBS = frozenset(
    {
        "laerer",
        "lektor",
        "spesialpedagog",
        "barnehagelaerer",
        "sykepleier",
        "helsesykepleier",
        "jordmor",
        "vernepleier",
        "fysioterapeut",
        "ergoterapeut",
        "lege",
        "psykolog",
        "sosionom",
        "barnevernspedagog",
        "ingenior",
        "arealplanlegger",
        "systemutvikler",
        "bibliotekar",
    }
)

# Part-time work is common in care (heltidskultur is one of Drammen's strategies);
# (fte, weight) per profile.
FTE_PROFILES: dict[str, tuple[tuple[float, float], ...]] = {
    "full": ((1.0, 0.82), (0.8, 0.1), (0.6, 0.04), (0.5, 0.04)),
    "care": ((1.0, 0.34), (0.8, 0.2), (0.75, 0.14), (0.6, 0.13), (0.5, 0.11), (0.3, 0.08)),
    "mixed": ((1.0, 0.5), (0.8, 0.2), (0.6, 0.15), (0.5, 0.15)),
    "hours": ((1.0, 0.35), (0.6, 0.2), (0.5, 0.2), (0.3, 0.15), (0.2, 0.1)),
}
CARE_JOBS = frozenset(
    {"sykepleier", "helsefagarbeider", "vernepleier", "miljoterapeut", "helsesekretaer"}
)
MIXED_JOBS = frozenset({"assistent", "barne_ungdomsarbeider", "renholder"})
HOURS_JOBS = frozenset({"kulturskolelaerer"})

Jobs = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class UnitKind:
    """A kind of unit (virksomhet): a school, a nursing home, NAV …"""

    key: str
    abbr: str  # part of the unit code, e.g. OPP-SK03
    name: str  # "{place} skole" for many, a fixed name for a municipality-wide service
    share: float
    size: int
    jobs: Jobs
    leader_job: str = "virksomhetsleder"
    departments: tuple[str, ...] = ()
    # Pick department names at random from ``departments`` (kindergartens) instead of in order.
    department_pool: bool = False
    department_leader_job: str = "avdelingsleder"
    department_jobs: dict[str, Jobs] = field(default_factory=dict)
    minimum: int = 0  # units of this kind even in the smallest municipality
    min_headcount: int = 2
    single: bool = False  # one municipality-wide unit whose headcount grows instead
    female_share: float = 0.75
    dept_size: int = 12  # about this many people per department


@dataclass(frozen=True)
class Division:
    """A service division (kommunalsjefsområde) or a staff area (stabsområde)."""

    code: str
    name: str
    leader_job: str
    kinds: tuple[UnitKind, ...]
    staff: bool = False


_SFO = (("barne_ungdomsarbeider", 0.5), ("assistent", 0.4), ("laerer", 0.1))

DIVISIONS: tuple[Division, ...] = (
    Division(
        "OPP",
        "Oppvekst",
        "kommunalsjef",
        (
            UnitKind(
                "primary_school",
                "SK",
                "{place} skole",
                0.17,
                45,
                (
                    ("laerer", 0.6),
                    ("lektor", 0.1),
                    ("spesialpedagog", 0.06),
                    ("miljoterapeut", 0.04),
                    ("barne_ungdomsarbeider", 0.08),
                    ("assistent", 0.1),
                    ("konsulent", 0.02),
                ),
                leader_job="rektor",
                departments=("1.–4. trinn", "5.–7. trinn", "SFO"),
                department_jobs={"SFO": _SFO},
                minimum=1,
                min_headcount=3,
                female_share=0.78,
                dept_size=14,
            ),
            UnitKind(
                "lower_secondary_school",
                "US",
                "{place} ungdomsskole",
                0.07,
                50,
                (
                    ("lektor", 0.4),
                    ("laerer", 0.38),
                    ("spesialpedagog", 0.06),
                    ("miljoterapeut", 0.08),
                    ("assistent", 0.06),
                    ("konsulent", 0.02),
                ),
                leader_job="rektor",
                departments=("8. trinn", "9. trinn", "10. trinn"),
                female_share=0.65,
                dept_size=14,
            ),
            UnitKind(
                "kindergarten",
                "BH",
                "{place} barnehage",
                0.14,
                20,
                (("barnehagelaerer", 0.42), ("barne_ungdomsarbeider", 0.3), ("assistent", 0.28)),
                leader_job="styrer",
                departments=(
                    "Avdeling Blåbær",
                    "Avdeling Tyttebær",
                    "Avdeling Multebær",
                    "Avdeling Solstråla",
                    "Avdeling Maurtua",
                    "Avdeling Ekornet",
                    "Avdeling Reven",
                    "Avdeling Spurven",
                ),
                department_pool=True,
                department_leader_job="pedagogisk_leder",
                minimum=1,
                female_share=0.9,
                dept_size=6,
            ),
            UnitKind(
                "ppt",
                "PPT",
                "Pedagogisk-psykologisk tjeneste (PPT)",
                0.008,
                25,
                (
                    ("radgiver", 0.5),
                    ("spesialpedagog", 0.3),
                    ("psykolog", 0.15),
                    ("konsulent", 0.05),
                ),
                departments=("Team barnehage", "Team skole"),
                single=True,
                female_share=0.8,
            ),
            UnitKind(
                "health_centre",
                "HS",
                "Helsestasjon og skolehelsetjeneste",
                0.015,
                40,
                (
                    ("helsesykepleier", 0.62),
                    ("jordmor", 0.1),
                    ("lege", 0.05),
                    ("fysioterapeut", 0.08),
                    ("helsesekretaer", 0.15),
                ),
                departments=(
                    "Helsestasjon 0–5 år",
                    "Skolehelsetjenesten",
                    "Helsestasjon for ungdom",
                ),
                single=True,
                female_share=0.92,
            ),
            UnitKind(
                "child_welfare",
                "BV",
                "Barneverntjenesten",
                0.02,
                60,
                (("barnevernspedagog", 0.5), ("sosionom", 0.35), ("konsulent", 0.15)),
                departments=("Mottak og undersøkelse", "Tiltak", "Omsorg"),
                single=True,
                female_share=0.85,
            ),
        ),
    ),
    Division(
        "HO",
        "Helse og omsorg",
        "kommunalsjef",
        (
            UnitKind(
                "nursing_home",
                "HH",
                "{place} helsehus",
                0.15,
                80,
                (
                    ("helsefagarbeider", 0.4),
                    ("sykepleier", 0.3),
                    ("assistent", 0.17),
                    ("fysioterapeut", 0.03),
                    ("ergoterapeut", 0.03),
                    ("lege", 0.02),
                    ("konsulent", 0.05),
                ),
                departments=(
                    "Langtidsavdeling",
                    "Skjermet enhet for personer med demens",
                    "Korttidsavdeling",
                    "Rehabilitering",
                    "Kjøkken",
                ),
                department_jobs={"Kjøkken": (("fagarbeider", 0.6), ("assistent", 0.4))},
                minimum=1,
                female_share=0.85,
                dept_size=16,
            ),
            UnitKind(
                "home_care",
                "HT",
                "Hjemmetjenesten {place}",
                0.11,
                70,
                (
                    ("helsefagarbeider", 0.45),
                    ("sykepleier", 0.35),
                    ("assistent", 0.1),
                    ("vernepleier", 0.05),
                    ("ergoterapeut", 0.05),
                ),
                departments=("Team dag", "Team kveld", "Natt"),
                minimum=1,
                female_share=0.85,
                dept_size=18,
            ),
            UnitKind(
                "group_home",
                "BO",
                "{place} bofellesskap",
                0.06,
                45,
                (
                    ("vernepleier", 0.35),
                    ("miljoterapeut", 0.2),
                    ("helsefagarbeider", 0.3),
                    ("assistent", 0.15),
                ),
                departments=("Bolig A", "Bolig B", "Aktivitetssenter"),
                female_share=0.75,
            ),
            UnitKind(
                "mental_health",
                "PR",
                "Psykisk helse og rus",
                0.025,
                50,
                (
                    ("sykepleier", 0.3),
                    ("sosionom", 0.25),
                    ("miljoterapeut", 0.25),
                    ("psykolog", 0.1),
                    ("vernepleier", 0.1),
                ),
                departments=("Oppfølgingstjenesten", "Rusteam", "Dagtilbud"),
                single=True,
                female_share=0.72,
            ),
            UnitKind(
                "emergency",
                "LV",
                "Legevakten",
                0.012,
                40,
                (("sykepleier", 0.6), ("lege", 0.3), ("helsesekretaer", 0.1)),
                departments=("Legevakt", "Kommunal akutt døgnenhet"),
                single=True,
                female_share=0.7,
            ),
            UnitKind(
                "allocation",
                "TK",
                "Tildelingskontoret",
                0.008,
                20,
                (("saksbehandler", 0.6), ("sykepleier", 0.2), ("ergoterapeut", 0.2)),
                single=True,
                female_share=0.8,
            ),
        ),
    ),
    Division(
        "VEL",
        "Velferd",
        "kommunalsjef",
        (
            UnitKind(
                "nav",
                "NAV",
                "NAV {place}",
                0.03,
                70,
                (
                    ("veileder", 0.5),
                    ("sosionom", 0.25),
                    ("saksbehandler", 0.2),
                    ("konsulent", 0.05),
                ),
                departments=(
                    "Mottak og veiledning",
                    "Oppfølging",
                    "Sosiale tjenester",
                    "Ungdomsteam",
                ),
                minimum=1,
                female_share=0.7,
            ),
            UnitKind(
                "refugees",
                "FL",
                "Flyktningtjenesten",
                0.008,
                25,
                (("veileder", 0.5), ("sosionom", 0.3), ("konsulent", 0.2)),
                departments=("Bosetting", "Introduksjonsprogrammet"),
                single=True,
                female_share=0.68,
            ),
            UnitKind(
                "adult_education",
                "VO",
                "Voksenopplæringen",
                0.012,
                40,
                (("laerer", 0.6), ("lektor", 0.3), ("konsulent", 0.1)),
                leader_job="rektor",
                departments=("Norsk og samfunnskunnskap", "Grunnskole for voksne"),
                single=True,
                female_share=0.75,
            ),
        ),
    ),
    Division(
        "KIF",
        "Kultur, idrett og frivillighet",
        "kommunalsjef",
        (
            UnitKind(
                "library",
                "BIB",
                "Drammensbiblioteket",
                0.01,
                40,
                (("bibliotekar", 0.7), ("konsulent", 0.3)),
                departments=(
                    "Hovedbiblioteket",
                    "Filial Konnerud",
                    "Filial Mjøndalen",
                    "Filial Svelvik",
                ),
                minimum=1,
                single=True,
                female_share=0.75,
                dept_size=8,
            ),
            UnitKind(
                "culture_school",
                "KS",
                "Kulturskolen",
                0.012,
                60,
                (("kulturskolelaerer", 0.9), ("konsulent", 0.1)),
                leader_job="rektor",
                departments=("Musikk", "Dans og teater", "Visuelle kunstfag"),
                minimum=1,
                single=True,
                female_share=0.6,
            ),
            UnitKind(
                "volunteer_centre",
                "FS",
                "Frivilligsentralen",
                0.003,
                8,
                (("radgiver", 0.6), ("konsulent", 0.4)),
                single=True,
                female_share=0.7,
            ),
            UnitKind(
                "youth",
                "UF",
                "Ungdom og fritid",
                0.008,
                25,
                (("barne_ungdomsarbeider", 0.6), ("miljoterapeut", 0.3), ("konsulent", 0.1)),
                departments=("Ungdomsklubber", "Fritid for alle"),
                single=True,
                female_share=0.55,
            ),
            UnitKind(
                "events",
                "KA",
                "Kultur og arrangement",
                0.004,
                10,
                (("radgiver", 0.5), ("konsulent", 0.3), ("prosjektleder", 0.2)),
                single=True,
                female_share=0.6,
            ),
        ),
    ),
    Division(
        "BSU",
        "By- og samfunnsutvikling",
        "kommunalsjef",
        (
            UnitKind(
                "water_roads",
                "VVA",
                "Vei, vann og avløp",
                0.02,
                60,
                (
                    ("fagarbeider", 0.45),
                    ("driftsoperator", 0.2),
                    ("ingenior", 0.3),
                    ("konsulent", 0.05),
                ),
                departments=("Vann", "Avløp", "Vei og trafikk"),
                minimum=1,
                single=True,
                female_share=0.2,
            ),
            UnitKind(
                "property",
                "BE",
                "Bygg og eiendom",
                0.035,
                80,
                (
                    ("renholder", 0.45),
                    ("driftsoperator", 0.3),
                    ("ingenior", 0.12),
                    ("prosjektleder", 0.08),
                    ("konsulent", 0.05),
                ),
                departments=("Forvaltning", "Drift og vedlikehold", "Renhold", "Prosjekt"),
                department_jobs={
                    "Renhold": (("renholder", 1.0),),
                    "Prosjekt": (("prosjektleder", 0.6), ("ingenior", 0.4)),
                },
                single=True,
                female_share=0.45,
                dept_size=18,
            ),
            UnitKind(
                "planning",
                "PBG",
                "Plan, bygg og geodata",
                0.012,
                45,
                (("saksbehandler", 0.4), ("arealplanlegger", 0.25), ("ingenior", 0.35)),
                departments=("Byggesak", "Arealplan", "Geodata og oppmåling"),
                single=True,
                female_share=0.5,
            ),
            UnitKind(
                "parks",
                "PI",
                "Park og idrett",
                0.007,
                30,
                (("fagarbeider", 0.6), ("driftsoperator", 0.3), ("ingenior", 0.1)),
                departments=("Park og friområder", "Idrettsanlegg"),
                single=True,
                female_share=0.3,
            ),
        ),
    ),
    Division(
        "OHR",
        "Organisasjon og HR",
        "stabsdirektor",
        (
            UnitKind(
                "hr_services",
                "HR",
                "HR-tjenester",
                0.008,
                20,
                (("hr_radgiver", 0.55), ("lonnskonsulent", 0.35), ("konsulent", 0.1)),
                departments=("Lønn", "Rekruttering og arbeidsgiverservice"),
                minimum=1,
                min_headcount=4,
                single=True,
                female_share=0.75,
            ),
            UnitKind(
                "organisation_development",
                "OU",
                "Organisasjonsutvikling og kompetanse",
                0.004,
                10,
                (("radgiver", 0.7), ("hr_radgiver", 0.3)),
                single=True,
                female_share=0.7,
            ),
        ),
        staff=True,
    ),
    Division(
        "OKO",
        "Økonomi",
        "stabsdirektor",
        (
            UnitKind(
                "accounting",
                "REG",
                "Regnskap",
                0.005,
                15,
                (("regnskapskonsulent", 0.8), ("radgiver", 0.2)),
                minimum=1,
                single=True,
                female_share=0.65,
            ),
            UnitKind(
                "finance",
                "OST",
                "Økonomistyring",
                0.004,
                12,
                (("okonomiradgiver", 0.9), ("konsulent", 0.1)),
                single=True,
                female_share=0.55,
            ),
            UnitKind(
                "procurement",
                "INN",
                "Innkjøp",
                0.003,
                10,
                (("innkjoper", 0.8), ("radgiver", 0.2)),
                single=True,
                female_share=0.5,
            ),
        ),
        staff=True,
    ),
    Division(
        "DIG",
        "Digitalisering",
        "stabsdirektor",
        (
            UnitKind(
                "it_operations",
                "IKT",
                "IKT-drift",
                0.008,
                20,
                (("it_konsulent", 0.9), ("konsulent", 0.1)),
                departments=("Brukerstøtte", "Infrastruktur"),
                minimum=1,
                min_headcount=3,
                single=True,
                female_share=0.3,
            ),
            UnitKind(
                "digital_development",
                "DU",
                "Digital utvikling",
                0.005,
                12,
                (("systemutvikler", 0.5), ("radgiver", 0.3), ("prosjektleder", 0.2)),
                single=True,
                female_share=0.4,
            ),
            UnitKind(
                "information_security",
                "IS",
                "Informasjonssikkerhet og personvern",
                0.002,
                5,
                (("radgiver", 1.0),),
                single=True,
                female_share=0.5,
            ),
        ),
        staff=True,
    ),
)

# Neighbourhoods and villages of the (merged) municipality, for unit names.
PLACES: tuple[str, ...] = (
    "Bragernes",
    "Strømsø",
    "Konnerud",
    "Fjell",
    "Åssiden",
    "Gulskogen",
    "Skoger",
    "Svelvik",
    "Mjøndalen",
    "Solberg",
    "Danvik",
    "Marienlyst",
    "Brandenga",
    "Galterud",
    "Hallermoen",
    "Rødskog",
    "Steinberg",
    "Krokstad",
    "Vestbygda",
    "Berger",
    "Kjøsterud",
    "Aronsløkka",
    "Øren",
    "Austad",
    "Bjørnstad",
    "Tangen",
    "Vassenga",
    "Bolstad",
    "Åskollen",
    "Nøstodden",
    "Underlia",
    "Grønland",
    "Tambur",
    "Åsen",
    "Sundland",
    "Fredholt",
    "Kobbervikdalen",
    "Ebbestad",
    "Knive",
    "Rundtom",
    "Bråta",
    "Bjerkebakken",
    "Frydenlund",
    "Engene",
    "Fagerheim",
    "Landfalløya",
    "Holmen",
    "Lolland",
    "Stenseth",
    "Hellerud",
)
