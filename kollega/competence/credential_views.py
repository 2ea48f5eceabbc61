"""A person's formal competence page: their credentials (education, certificates,
authorisations, courses) with what each evidences and until when, and the form that
registers one, for the person, their leader chain and HR. A refused form is shown
again with what was typed and each message beside its field (422)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from kollega import permissions
from kollega.audit.services import record_read
from kollega.clock import today
from kollega.competence import credentials, services
from kollega.competence.blueprint import bp, loc, person_by_id
from kollega.competence.forms import COMPETENCE_ROWS, CREDENTIAL_FIELDS, credential_input
from kollega.competence.models import CREDENTIAL_KINDS, FormalCredential
from kollega.current import current_person
from kollega.formflow import attempt_placed


@bp.route("/people/<int:person_id>/credentials", methods=["GET", "POST"], endpoint="add_credential")
@login_required
def person_credentials(person_id: int) -> Any:
    person = person_by_id(person_id)
    viewer = current_person()
    # Guests keep no competence profile, and the page shows the municipality's frameworks.
    permissions.require(not viewer.is_guest)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = request.form

        def register() -> FormalCredential:
            return credentials.add_credential(viewer, person, **credential_input(form))

        added, errors = attempt_placed(register, CREDENTIAL_FIELDS, "cred-title")
        if added is not None:
            flash(_("The credential is registered."), "success")
            if person.id == viewer.id:
                return redirect(url_for("competence.mine") + "#credentials")
            return redirect(url_for("org.person", person_id=person.id))
    permissions.require(permissions.can_view_competence(viewer, person))
    if not errors:  # a refused form rolls back; its GET was recorded
        record_read(viewer, person, "competence")
    on = today()
    soon, gone = credentials.expiring([person.id], on)
    return render_template(
        "competence/credentials.html",
        person=person,
        credentials=credentials.credentials(person),
        may_register=permissions.can_manage_credentials(viewer, person),
        frameworks=services.frameworks(),
        kinds=CREDENTIAL_KINDS,
        rows=COMPETENCE_ROWS,
        soon=soon,
        gone=gone,
        today=on,
        locale=loc(),
        errors=errors,
        values=request.form if errors else None,
    ), (422 if errors else 200)
