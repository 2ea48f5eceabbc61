"""Checks and lookups shared by the networks use cases: input validation, loading
rows by id (``NotFound`` when missing) and the permission refusals with their messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import (
    joinedload,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import set_committed_value

from kollega import permissions
from kollega.errors import NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks.models import (
    Message,
    Network,
    NetworkMember,
    Thread,
)
from kollega.org.models import Person

COMPETENCE_CODE = re.compile(r"^[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-]+$")


def clean_text(value: Any, field: str, *, required: bool, max_len: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_l("Must be text."), fields={field: _l("Must be text.")})
    value = value.strip()
    if required and not value:
        raise ValidationError(
            _l("Some required fields are missing."), fields={field: _l("Required.")}
        )
    if len(value) > max_len:
        message = _l("At most %(n)d characters.", n=max_len)
        raise ValidationError(message, fields={field: message})
    return value


def clean_choice(value: Any, field: str, choices: Sequence[str], default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices:
        message = _l("Choose one of: %(choices)s.", choices=", ".join(choices))
        raise ValidationError(message, fields={field: message})
    return value


def competence_codes(values: Any, field: str) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,;]+", values) if v]
    if not isinstance(values, list | tuple) or len(values) > 50:
        raise ValidationError(
            _l("Must be a list of competence codes."),
            fields={field: _l("Must be a list of competence codes.")},
        )
    codes: list[str] = []
    for value in values:
        if not isinstance(value, str) or not COMPETENCE_CODE.match(value.strip()):
            message = _l("Not a competence code (framework:code): %(value)s", value=str(value)[:40])
            raise ValidationError(message, fields={field: message})
        if value.strip() not in codes:
            codes.append(value.strip())
    return codes


def as_int(value: Any, field: str) -> int:
    """``value`` as an int, or a ValidationError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(
            _l("Must be a whole number."), fields={field: _l("Must be a whole number.")}
        )
    try:
        return int(value)
    except ValueError:
        raise ValidationError(
            _l("Must be a whole number."), fields={field: _l("Must be a whole number.")}
        ) from None


def load_network(network_id: Any) -> Network:
    network = db.session.get(Network, as_int(network_id, "network_id"))
    if network is None:
        raise NotFound(_l("No such network."))
    return network


def load_person(person_id: Any) -> Person:
    person = db.session.get(Person, as_int(person_id, "person_id"))
    if person is None or not person.active:
        raise NotFound(_l("No such person."))
    return person


def membership(
    network: Network, person: Person, include_left: bool = False
) -> NetworkMember | None:
    """The person's row in the network; a leaver's row (kept for past periods' metrics)
    only with ``include_left``, to everything else they are gone."""
    member = db.session.scalar(
        sa.select(NetworkMember).where(
            NetworkMember.network_id == network.id, NetworkMember.person_id == person.id
        )
    )
    if member is not None and member.left_at is not None and not include_left:
        return None
    return member


def load_thread(thread_id: Any) -> Thread:
    # Every caller checks the network's permission next: load it in the same query.
    thread = db.session.get(
        Thread, as_int(thread_id, "thread_id"), options=[joinedload(Thread.network)]
    )
    if thread is None:
        raise NotFound(_l("No such thread."))
    return thread


def load_message(message_id: Any) -> Message:
    message = db.session.get(Message, as_int(message_id, "message_id"))
    if message is None:
        raise NotFound(_l("No such message."))
    return message


def require_read(person: Person, network: Network) -> None:
    """Refuse reading; a network the person may not even know of is "not found"."""
    if permissions.can_read_network(person, network):
        return
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    raise PermissionDenied(_l("Only the network's members can read it."))


def require_post(person: Person, network: Network, member: Any = permissions.LOOK_UP) -> None:
    if permissions.can_post(person, network, member):
        return
    require_read(person, network)
    if network.status == "archived":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    if network.status == "proposed":
        raise PermissionDenied(_l("The network has not been approved yet."))
    raise PermissionDenied(_l("Only the network's members can post."))


def require_moderate(person: Person, network: Network) -> None:
    if permissions.can_moderate(person, network):
        return
    if not permissions.can_see_network(person, network):
        raise NotFound(_l("No such network."))
    raise PermissionDenied(_l("Only the network's facilitators can do this."))


def thread_link(thread_id: int, seq: int | None = None) -> str:
    return f"/threads/{thread_id}" + (f"#m{seq}" if seq else "")


def dialect_insert(model: Any) -> Any:
    """An INSERT for the session's dialect (for ON CONFLICT)."""
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def as_loaded(model: Any, values: dict[str, Any]) -> Any:
    """The session's ``model`` instance with this primary key, or a new one holding
    ``values`` as if loaded from the database (its other attributes load when touched)."""
    found = db.session.identity_map.get(db.session.identity_key(model, values["id"]))
    if found is not None:
        # As a query would: fill in what is expired (after a commit, say), keep the rest.
        unloaded = sa.inspect(found).unloaded
        for key, value in values.items():
            if key in unloaded:
                set_committed_value(found, key, value)
        return found
    instance = model(**values)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance
