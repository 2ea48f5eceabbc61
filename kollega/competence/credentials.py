"""Formal competence: credentials (education, certificates, authorisations, courses),
each linked competence a formal assessment; and what expires soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.clock import today
from kollega.competence.models import (
    CREDENTIAL_KINDS,
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
)
from kollega.competence.services import check_level, clean_url
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import Person

EXPIRY_WINDOW_DAYS = 90


def credential_problems(
    kind: str, title: str, issued_on: dt.date | None, expires_on: dt.date | None
) -> dict[str, Any]:
    """The credential's field messages: kind, title, and an expiry before the issue."""
    fields: dict[str, Any] = {}
    if kind not in CREDENTIAL_KINDS:
        fields["kind"] = _l("Choose a kind.")
    title = (title or "").strip()
    if not title or len(title) > 300:
        fields["title"] = _l("Give a title (at most 300 characters).")
    if issued_on and expires_on and expires_on < issued_on:
        fields["expires_on"] = _l("The expiry date is before the issue date.")
    return fields


def add_credential(
    actor: Person,
    person: Person,
    kind: str,
    title: str,
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    competences: Sequence[tuple[Competence, Any]] = (),
    evidence_url: Any = None,
) -> FormalCredential:
    """Register education, a certificate, an authorisation or a course; each linked
    competence gets a formal assessment dated when the credential was issued."""
    permissions.require(permissions.can_manage_credentials(actor, person))
    fields = credential_problems(kind, title, issued_on, expires_on)
    title = (title or "").strip()
    if fields:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    cred = FormalCredential(
        person_id=person.id,
        kind=kind,
        title=title,
        issuer=(issuer or "").strip()[:200],
        issued_on=issued_on,
        expires_on=expires_on,
        evidence_url=clean_url(evidence_url),
        registered_by_id=actor.id,
    )
    db.session.add(cred)
    db.session.flush()
    seen: set[int] = set()
    for comp, level in competences:
        if comp.id in seen:
            continue
        seen.add(comp.id)
        value = check_level(comp, level, allow_zero=False)
        cred.competences.append(CredentialCompetence(competence_id=comp.id, level=value))
        db.session.add(
            Assessment(
                person_id=person.id,
                competence_id=comp.id,
                level=value,
                source="formal",
                assessed_on=issued_on or today(),
                assessor_id=actor.id,
                credential_id=cred.id,
                note=title,
            )
        )
    db.session.flush()
    return cred


def person_credentials(actor: Person, person: Person) -> list[FormalCredential]:
    """The person's credentials, for the person, their leader chain and HR."""
    permissions.require(permissions.can_view_competence(actor, person))
    return credentials(person)


def credential_json(cred: FormalCredential, on: dt.date) -> dict[str, Any]:
    """A credential as the API shows it: whether it counts at ``on`` and whether it
    expires within the flagging window."""
    expires = cred.expires_on
    valid = (cred.issued_on is None or cred.issued_on <= on) and (expires is None or on < expires)
    return {
        "id": cred.id,
        "title": cred.title,
        "kind": cred.kind,
        "issuer": cred.issuer,
        "issued_on": cred.issued_on.isoformat() if cred.issued_on else None,
        "expires_on": expires.isoformat() if expires else None,
        "valid": valid,
        "expiring_soon": bool(
            valid and expires and expires <= on + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
        ),
        "evidence_url": cred.evidence_url,
        "competences": [
            {"code": cc.competence.code, "level": cc.level}
            for cc in sorted(cred.competences, key=lambda cc: cc.competence.code)
        ],
    }


def credentials(person: Person) -> list[FormalCredential]:
    """The person's credentials with their competences, newest first."""
    return list(
        db.session.scalars(
            sa.select(FormalCredential)
            .where(FormalCredential.person_id == person.id)
            .options(
                selectinload(FormalCredential.competences).selectinload(
                    CredentialCompetence.competence
                )
            )
            .order_by(FormalCredential.issued_on.desc().nulls_last(), FormalCredential.id.desc())
        )
    )


def expiring(
    person_ids: Sequence[int], on: dt.date, days: int = EXPIRY_WINDOW_DAYS
) -> tuple[list[FormalCredential], list[FormalCredential]]:
    """(expiring within ``days`` after ``on``, already expired) credentials of these
    people, soonest first. A credential no longer counts from its expiry date, so one
    expiring on ``on`` is expired. One renewed (the same person has a credential of the
    same title that expires later, or never) is not flagged."""
    if not person_ids:
        return [], []
    rows: list[FormalCredential] = []
    for start in range(0, len(person_ids), 500):
        rows.extend(
            db.session.scalars(
                sa.select(FormalCredential)
                .where(
                    FormalCredential.person_id.in_(person_ids[start : start + 500]),
                    FormalCredential.expires_on.is_not(None),
                    FormalCredential.expires_on <= on + dt.timedelta(days=days),
                )
                .options(selectinload(FormalCredential.person))
            )
        )
    renewed = _renewals(rows)
    rows = sorted((c for c in rows if not _renewed(c, renewed)), key=lambda c: (c.expires_on, c.id))
    soon = [c for c in rows if c.expires_on and c.expires_on > on]
    gone = [c for c in rows if c.expires_on and c.expires_on <= on]
    return soon, gone


def _renewals(rows: Sequence[FormalCredential]) -> dict[tuple[int, str], list[dt.date | None]]:
    """(person, title) -> the expiry dates (None: never) of all their credentials of
    that title, for the people and titles among ``rows``."""
    out: dict[tuple[int, str], list[dt.date | None]] = {}
    people = sorted({c.person_id for c in rows})
    titles = sorted({c.title for c in rows})
    for start in range(0, len(people), 500):
        for pid, title, expires in db.session.execute(
            sa.select(
                FormalCredential.person_id, FormalCredential.title, FormalCredential.expires_on
            ).where(
                FormalCredential.person_id.in_(people[start : start + 500]),
                FormalCredential.title.in_(titles),
            )
        ):
            out.setdefault((pid, title), []).append(expires)
    return out


def _renewed(cred: FormalCredential, renewals: dict[tuple[int, str], list[dt.date | None]]) -> bool:
    assert cred.expires_on is not None
    return any(
        e is None or e > cred.expires_on for e in renewals.get((cred.person_id, cred.title), [])
    )
