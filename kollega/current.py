"""The person behind the current request or socket event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_login import current_user

if TYPE_CHECKING:
    from kollega.org.models import Person


def current_person() -> Person:
    """The signed-in person of this request. Every page and API route but the public ones
    requires a sign-in before it runs (``kollega.auth.loaders``), so there is one."""
    person: Any = current_user._get_current_object()  # type: ignore[attr-defined]
    return person  # type: ignore[no-any-return]
