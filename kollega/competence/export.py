"""The register's part of a person's own data export (``/me/export``)."""

from __future__ import annotations

from typing import Any

from kollega.competence.conversations import conversations
from kollega.competence.credentials import credentials
from kollega.competence.experts import is_findable
from kollega.competence.services import history
from kollega.org.models import Person


def export_person(person: Person) -> dict[str, Any]:
    """Everything the competence register holds about the person, for ``/me/export``:
    assessments (all history), formal credentials, development conversations and the
    findable choice. The caller checks that the person is asking for their own data."""
    return {
        "assessments": [
            {
                "competence": a.competence.code,
                "level": a.level,
                "source": a.source,
                "assessed_on": a.assessed_on.isoformat(),
                "assessor": a.assessor.name if a.assessor else None,
                "note": a.note,
                "evidence_url": a.evidence_url,
            }
            for a in history(person)
        ],
        "credentials": [
            {
                "kind": c.kind,
                "title": c.title,
                "issuer": c.issuer,
                "issued_on": c.issued_on.isoformat() if c.issued_on else None,
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                "competences": [
                    {"competence": cc.competence.code, "level": cc.level} for cc in c.competences
                ],
            }
            for c in credentials(person)
        ],
        "development_conversations": [
            {
                "held_on": c.held_on.isoformat(),
                "leader": c.leader.name if c.leader else None,
                "agreed_goals": c.agreed_goals,
                "measures": c.measures,
                "follow_up_on": c.follow_up_on.isoformat() if c.follow_up_on else None,
                "competences": [
                    {"competence": i.competence.code, "target_level": i.target_level}
                    for i in c.items
                ],
            }
            for c in conversations(person, person)
        ],
        "findable": is_findable(person),
    }
