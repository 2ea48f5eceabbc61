"""The guest invitation e-mail, sent by the edges through the project's
mailer (``kollega.mail``: SMTP when configured, otherwise the instance outbox)."""

from __future__ import annotations

import logging

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from kollega import mail
from kollega.networks.invitations import GuestInvite
from kollega.org.models import Person

log = logging.getLogger(__name__)


def invitation_url(token: str) -> str:
    path = url_for("networks.invitation", token=token)
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if base else url_for("networks.invitation", token=token, _external=True)


def send_guest_invitation(invite: GuestInvite, inviter: Person) -> bool:
    """Mail the guest their invitation: a sign-in link for a new guest, a plain link to
    the network for a guest who has a password. False when the mail could not go out
    (the invitation stands; inviting again sends a fresh link)."""
    guest, network = invite.guest, invite.network
    with force_locale(guest.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [
            _("Hello %(name)s,", name=guest.name),
            "",
            _(
                "%(inviter)s invites you to the learning network %(network)s in kollega.",
                inviter=inviter.name,
                network=network.name,
            ),
            "",
        ]
        if invite.token is not None:
            days = int(float(current_app.config.get("GUEST_INVITATION_DAYS", 14)))
            lines += [
                _(
                    "Choose your password and sign in here (the link works once, for %(n)d days):",
                    n=days,
                ),
                invitation_url(invite.token),
            ]
        else:
            lines += [
                _("Sign in with your e-mail address and password:"),
                url_for("networks.network", network_id=network.id, _external=True),
            ]
        lines += ["", _("If you did not expect this invitation, you can ignore this e-mail.")]
        subject = _("Invitation to %(network)s in kollega", network=network.name)
    try:
        mail.send(guest.email, subject, "\n".join(lines))
    except Exception:
        log.exception("networks: invitation mail to guest %s failed", guest.id)
        return False
    return True
