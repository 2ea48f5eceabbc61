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
    fields: dict[str, Any] = {}
    if kind not in CREDENTIAL_KINDS:
        fields["kind"] = _l("Choose a kind.")
    title = (title or "").strip()
    if not title or len(title) > 300:
        fields["title"] = _l("Give a title (at most 300 characters).")
    if issued_on and expires_on and expires_on < issued_on:
        fields["expires_on"] = _l("The expiry date is before the issue date.")
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
    """(expiring within ``days`` of ``on``, already expired) credentials of these people."""
    if not person_ids:
        return [], []
    rows = list(
        db.session.scalars(
            sa.select(FormalCredential)
            .where(
                FormalCredential.person_id.in_(person_ids),
                FormalCredential.expires_on.is_not(None),
                FormalCredential.expires_on <= on + dt.timedelta(days=days),
            )
            .options(selectinload(FormalCredential.person))
            .order_by(FormalCredential.expires_on)
        )
    )
    soon = [c for c in rows if c.expires_on and c.expires_on >= on]
    gone = [c for c in rows if c.expires_on and c.expires_on < on]
    return soon, gone
