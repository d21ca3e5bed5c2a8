"""Errors of the index layer: one base class, one subclass per thing a caller can fix.

The HTTP layer maps each class once to a status code (404, 409, 422, ...); every message
says what was wrong and what to change.
"""


class IndexStoreError(Exception):
    """Base class of every error raised by `simservice.index`."""


class CollectionNotFound(IndexStoreError):
    """The named collection does not exist (HTTP 404)."""


class CollectionExists(IndexStoreError):
    """A collection of that name already exists (HTTP 409)."""


class ItemNotFound(IndexStoreError):
    """No item has that id in the collection (HTTP 404)."""


class DimensionMismatch(IndexStoreError):
    """A vector's length differs from the collection's dimension (HTTP 422)."""


class InvalidVector(IndexStoreError):
    """A vector holds NaN or infinite values, or is zero where cosine needs a direction (HTTP 422)."""


class InvalidId(IndexStoreError):
    """An item id is empty, too long, not a string or holds control characters (HTTP 422)."""


class InvalidArgument(IndexStoreError):
    """Any other argument out of range: k, offset, limit, filter, metadata, name (HTTP 422)."""


class CorruptSnapshot(IndexStoreError):
    """A snapshot file failed its checks; the store rebuilds from SQLite instead (HTTP 500 if raised)."""


class BackendUnavailable(IndexStoreError):
    """The index backend (a Milvus server) cannot be reached or timed out; retry later (HTTP 503)."""


class BackendNotInstalled(IndexStoreError):
    """The backend's client library cannot be imported; the message says what to install
    (raised when the service starts, not on its first request)."""


class CollectionFailed(IndexStoreError):
    """The collection's files or index cannot be opened; it is set aside and the other
    collections keep serving (HTTP 503 naming the cause; restore its files or drop it)."""


class Unsupported(InvalidArgument):
    """The backend cannot do this (a Milvus snapshot: use milvus-backup); the message says what to use (HTTP 422)."""


class SnapshotNotFound(CollectionNotFound):
    """No snapshot of that name for the collection (HTTP 404)."""


class SnapshotMismatch(InvalidArgument):
    """A snapshot made with another model, or a file that is not a snapshot (HTTP 422)."""
