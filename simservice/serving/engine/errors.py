"""The service's one error type, and the single table from error kinds to HTTP status codes.

Index-layer errors get their kind in the HTTP layer's error handlers; every status code is
decided by the table here.
"""

from __future__ import annotations

import enum


class ErrorKind(str, enum.Enum):
    MALFORMED = "malformed_request"
    INVALID = "invalid_request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    METHOD = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "body_too_large"
    SLOW_CLIENT = "request_timeout"
    OVERLOADED = "overloaded"
    CLIENT_CLOSED = "client_closed_request"
    INTERNAL = "internal_error"
    NOT_READY = "not_ready"
    TIMEOUT = "timeout"
    UNAVAILABLE = "index_unavailable"
    FAILED = "collection_failed"
    BUSY = "too_many_connections"
    UNSUPPORTED = "unsupported_by_model"


STATUS = {
    ErrorKind.MALFORMED: 400,
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.METHOD: 405,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.SLOW_CLIENT: 408,
    ErrorKind.OVERLOADED: 429,
    ErrorKind.CLIENT_CLOSED: 499,
    ErrorKind.INTERNAL: 500,
    ErrorKind.NOT_READY: 503,
    ErrorKind.TIMEOUT: 503,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.FAILED: 503,
    ErrorKind.BUSY: 503,
    ErrorKind.UNSUPPORTED: 400,
}

class ServiceError(Exception):
    """An error with a kind (which decides the status code) and a message saying what to change."""

    def __init__(self, kind: ErrorKind, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.headers = headers or {}

    @property
    def status_code(self) -> int:
        return STATUS[self.kind]


def kind_of_status(status: int) -> ErrorKind:
    """The kind for a status code raised by the framework itself (unknown route, wrong method)."""
    return next((k for k, s in STATUS.items() if s == status), ErrorKind.MALFORMED if status < 500 else ErrorKind.INTERNAL)
