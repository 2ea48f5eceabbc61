"""Domain errors raised by services and turned into responses at the edges."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a use case was refused. ``message`` is already translated (lazy)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: object = "", fields: dict[str, object] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 422
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
