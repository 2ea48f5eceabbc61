"""The pages of the new-thread composer and of a network's settings (``views.py`` routes
them): parse the form, call the use case, and on a refusal show the page again (422)
with everything typed kept, each message beside its field and nothing stored."""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import formflow, permissions
from kollega.audit.services import record
from kollega.current import current_person
from kollega.networks import networks, threads
from kollega.networks.forms import THREAD_KIND_CHOICES, NetworkSettingsForm, ThreadForm
from kollega.networks.models import Network


def new_thread_page(network_id: int) -> Any:
    """The composer; ``?kind=experience`` opens it on the four parts."""
    person = current_person()
    net = networks.find_network(person, network_id)
    threads.require_open_thread(person, net)
    kind = request.args.get("kind", "discussion")
    form = ThreadForm(
        formdata=None,
        client_id=secrets.token_urlsafe(12),
        kind=kind if kind in dict(THREAD_KIND_CHOICES) else "discussion",
    )
    return render_template("networks/new_thread.html", network=net, form=form)


def open_thread_page(network_id: int) -> Any:
    """Open the thread and go to it; parts typed under another kind are kept (and the
    page says so)."""
    person = current_person()
    net = networks.find_network(person, network_id)
    threads.require_open_thread(person, net)
    form = ThreadForm()
    if form.validate_on_submit():
        parts = {key: form[key].data for key in threads.EXPERIENCE_FIELDS if form[key].data}
        opened = formflow.submit(
            form,
            lambda: threads.open_thread(
                person,
                net.id,
                form.title.data,
                form.kind.data,
                form.body.data or "",
                form.competence_tags.data,
                form.client_id.data or None,
                parts,
            ),
        )
        if opened is not None:
            thread = opened[0]
            if parts and thread.kind != "experience":
                flash(
                    _l(
                        "The experience parts you wrote are kept: they are in the first "
                        "message under their headings."
                    ),
                    "success",
                )
            return redirect(url_for("networks.thread", thread_id=thread.id))
    return render_template("networks/new_thread.html", network=net, form=form), 422


def may_change_settings(network: Network) -> bool:
    """For the network page's link to the settings page."""
    return permissions.can_change_network_settings(current_person(), network)


def _settings_form(net: Network) -> NetworkSettingsForm:
    return NetworkSettingsForm(
        formdata=None,
        name=net.name,
        purpose=net.purpose,
        visibility=net.visibility,
        target_competences=", ".join(net.target_competences or []),
    )


def _settings(net: Network, form: NetworkSettingsForm) -> str:
    return render_template(
        "networks/settings.html",
        network=net,
        form=form,
        competences=networks.target_competences(net),
        locale=str(get_locale()),
    )


def settings_page(network_id: int) -> Any:
    """Name, purpose, visibility and target competences (facilitators, admins)."""
    person = current_person()
    net = networks.settings_network(person, network_id)
    if request.method == "GET":
        return _settings(net, _settings_form(net))
    form = NetworkSettingsForm()
    if form.validate_on_submit():
        changed = formflow.submit(
            form,
            lambda: networks.change_settings(
                person,
                net.id,
                name=form.name.data,
                purpose=form.purpose.data or "",
                visibility=form.visibility.data,
                target_competences=form.target_competences.data,
            ),
        )
        if changed is not None:
            if changed:
                record("network.settings", person.id, "network", net.id, fields=changed)
            flash(_l("The settings are saved.") if changed else _l("Nothing changed."), "success")
            return redirect(url_for("networks.network_settings", network_id=net.id))
    return _settings(net, form), 422


def status_page(network_id: int) -> Any:
    """Archive (``archived=1``) or unarchive (``archived=0``) from the settings page."""
    person = current_person()
    net = networks.settings_network(person, network_id)
    form = _settings_form(net)
    choice = request.form.get("archived")
    if choice not in ("0", "1"):
        form.form_errors.append(str(_l("Choose to archive or to unarchive the network.")))
        return _settings(net, form), 422
    done = formflow.submit(
        form, lambda: networks.set_archived(person, net.id, archived=choice == "1")
    )
    if done is None:
        return _settings(net, form), 409
    action = "network.archived" if choice == "1" else "network.unarchived"
    record(action, person.id, "network", net.id)
    flash(
        _l("The network is archived. It can still be read.")
        if choice == "1"
        else _l("The network is active again."),
        "success",
    )
    return redirect(url_for("networks.network_settings", network_id=net.id))
