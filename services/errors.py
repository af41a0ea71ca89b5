"""Business errors: a stable code plus a human message; UI and API translate them."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule was broken; nothing was changed."""

    status = 409
    # Set when one of several items was refused (e.g. the position of one need among several added at once).
    failed_position: str | None = None

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class BadRequest(ServiceError):
    """The request cannot be read (HTTP 400): malformed JSON, wrong types, repeated parameters."""

    status = 400


class ValidationError(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class Conflict(ServiceError):
    status = 409


class Throttled(ServiceError):
    status = 429
