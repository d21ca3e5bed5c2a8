"""The service's one error type: a kind (what went wrong, for the caller's program) and a message
(what to change, for a person); index errors get their kind from the table here.

The HTTP layer decides each kind's status code, in one table (serving/api/status_codes.py).
"""

from __future__ import annotations

import enum

from simservice.index import errors as index_errors


class ErrorKind(str, enum.Enum):
    MALFORMED = "malformed_request"
    INVALID = "invalid_request"
    UNAUTHORIZED = "unauthorized"  # this kind and the four below: raised by the HTTP layer only
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


class ServiceError(Exception):
    """An error with a kind and a message saying what to change; `retry_after` (seconds) when
    the same call may succeed later."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


INDEX_ERROR_KINDS = {
    index_errors.CollectionNotFound: ErrorKind.NOT_FOUND,
    index_errors.ItemNotFound: ErrorKind.NOT_FOUND,
    index_errors.CollectionExists: ErrorKind.CONFLICT,
    index_errors.DimensionMismatch: ErrorKind.INVALID,
    index_errors.InvalidVector: ErrorKind.INVALID,
    index_errors.InvalidId: ErrorKind.INVALID,
    index_errors.InvalidArgument: ErrorKind.INVALID,
    index_errors.CorruptSnapshot: ErrorKind.INTERNAL,
    index_errors.BackendUnavailable: ErrorKind.UNAVAILABLE,
    index_errors.CollectionFailed: ErrorKind.FAILED,
}


def index_error(error: index_errors.IndexStoreError) -> ServiceError:
    """The service error of an index error (retry after 5 s when the backend is away)."""
    kind = next((k for t, k in INDEX_ERROR_KINDS.items() if isinstance(error, t)), ErrorKind.INTERNAL)
    return ServiceError(kind, str(error), 5 if kind is ErrorKind.UNAVAILABLE else None)
