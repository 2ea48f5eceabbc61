"""The unit's assessment read for several dates at once (``subtree_assessments_at_dates``)
gives, at each date, the level the register gives for that date alone
(``competence.services.current_level``), also when credentials expire between the
dates: the pairs with such a credential are read whole and picked date by date, the
others reduced in the database by date bucket."""

from __future__ import annotations

import datetime as dt
import random

from kollega.competence import services as competence
from kollega.competence.models import Assessment, CredentialCompetence, FormalCredential
from kollega.extensions import db
from kollega.gaps import analysis, queries
from tests.gaps import data

D = dt.date
DATES = [D(2023, 1, 1), D(2023, 7, 1), D(2024, 1, 1), D(2024, 6, 30), D(2025, 3, 1)]


def _history(org, comps, rng):
    """Assessments of every source over three years, some of them a credential's with
    an expiry before, between or after the dates (or none)."""
    people = [org.employee, org.colleague, org.employee_a1, org.leader, org.other_employee]
    expiries = [D(2023, 3, 1), D(2023, 7, 1), D(2024, 2, 1), D(2024, 6, 30), D(2026, 1, 1), None]
    for person in people:
        for comp in comps:
            for _ in range(rng.randint(0, 5)):
                on = D(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))
                source = rng.choice(["self", "leader", "formal", "formal"])
                credential_id = None
                if source == "formal":
                    expires = rng.choice(expiries)
                    credential = FormalCredential(
                        person_id=person.id,
                        kind="certificate",
                        title="Sertifikat",
                        issued_on=on,
                        expires_on=expires if expires is None or expires > on else None,
                    )
                    db.session.add(credential)
                    db.session.flush()
                    db.session.add(
                        CredentialCompetence(
                            credential_id=credential.id, competence_id=comp.id, level=3
                        )
                    )
                    credential_id = credential.id
                db.session.add(
                    Assessment(
                        person_id=person.id,
                        competence_id=comp.id,
                        level=rng.randint(0, 4),
                        source=source,
                        assessed_on=on,
                        credential_id=credential_id,
                    )
                )
    db.session.commit()
    return people


def test_each_date_gets_the_level_the_register_gives_for_it(org):
    rng = random.Random(21)
    comps = [data.competence(f"t:{n}") for n in range(4)]
    people = _history(org, comps, rng)
    codes = [c.code for c in comps]
    frame = queries.subtree_assessments_at_dates(org.root, codes, DATES)
    for day in DATES:
        got = analysis.current_levels(frame, day)
        levels = {(int(r.person_id), r.competence): int(r.level) for r in got.itertuples()}
        for person in people:
            for comp in comps:
                expected = competence.current_level(person, comp, day)
                assert levels.get((person.id, comp.code), 0) == expected, (day, person, comp)
        # And the same as the read for that date alone.
        alone = analysis.current_levels(
            queries.subtree_assessments_at_dates(org.root, codes, [day]), day
        )
        single = {(int(r.person_id), r.competence): int(r.level) for r in alone.itertuples()}
        assert {k: v for k, v in levels.items() if v} == {k: v for k, v in single.items() if v}
