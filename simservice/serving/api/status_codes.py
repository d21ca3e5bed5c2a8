"""The one table from error kinds to HTTP status codes (with OpenAI's one difference under /v1), and
the headers an error answers with.

Every error the service answers (the core's `ServiceError`, an index error, or one the HTTP layer
raises itself: the key, the method, the connection limit) gets its status here and nowhere else.
"""

from __future__ import annotations

from simservice.service.errors import ErrorKind, ServiceError

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


class ApiError(ServiceError):
    """An error only the HTTP layer raises, with headers of its own (WWW-Authenticate, Allow, Connection)."""

    def __init__(self, kind: ErrorKind, message: str, headers: dict[str, str] | None = None):
        super().__init__(kind, message)
        self.headers = headers or {}


def status_of(error: ServiceError, openai: bool = False) -> int:
    """The error's status; under /v1 (`openai`) an invalid request is 400, as OpenAI answers it."""
    if openai and error.kind is ErrorKind.INVALID:
        return STATUS[ErrorKind.MALFORMED]
    return STATUS[error.kind]


def headers_of(error: ServiceError) -> dict[str, str]:
    """Retry-After when the error says when to retry, and an ApiError's own headers."""
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    return {**headers, **getattr(error, "headers", {})}


def kind_of_status(status: int) -> ErrorKind:
    """The kind for a status code raised by the framework itself (unknown route, wrong method)."""
    return next((k for k, s in STATUS.items() if s == status), ErrorKind.MALFORMED if status < 500 else ErrorKind.INTERNAL)
