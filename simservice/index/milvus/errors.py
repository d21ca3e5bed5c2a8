"""pymilvus's errors in the index layer's terms.

A lost or slow server (a gRPC status of one anywhere in the chain) and a server that answers
but cannot serve yet (not ready, a collection not loaded after a restart, a channel or
replica not available, a rate limit) -> BackendUnavailable: the service answers 503 with
Retry-After. A collection that vanished -> CollectionNotFound (404); anything else ->
IndexStoreError.
"""

from __future__ import annotations

import contextlib

import grpc
from pymilvus.exceptions import ErrorCode, MilvusException
from pymilvus.grpc_gen import common_pb2

from ..errors import BackendUnavailable, CollectionNotFound, IndexStoreError

_LOST_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
               grpc.StatusCode.CANCELLED, grpc.StatusCode.RESOURCE_EXHAUSTED}
_LOST_WORDS = ("unavailable", "deadline", "retry timeout", "fail connecting", "failed to connect",
               "connection refused", "socket closed", "not healthy", "timeout", "shutting down",
               "connect first")
# Milvus's own codes (pkg/util/merr) of states that pass: service unavailable (2), request or
# rate limit (4, 8), resources short (12), collection not loaded, not fully loaded or
# recovering (101, 103, 106), replica, channel or node not available (401, 501, 503, 902,
# 903, 905). Not 1 (service not ready): pymilvus gives its own errors that code too.
_TEMPORARY_CODES = {2, 4, 8, 12, 101, 103, 106, 401, 501, 503, 902, 903, 905}
_TEMPORARY_LEGACY = {common_pb2.NotShardLeader, common_pb2.NoReplicaAvailable, common_pb2.RateLimit,
                     common_pb2.NotReadyServe, common_pb2.NotReadyCoordActivating, common_pb2.DataCoordNA}
_TEMPORARY_WORDS = ("not ready", "abnormal", "not loaded", "not fully loaded", "channel not available",
                    "no replica available", "replica not available", "on recovering", "node offline",
                    "rate limit", "quota")
_MISSING_WORDS = ("collection not found", "can't find collection", "not exist")


def translate(exc: Exception, uri: str, what: str, name: str | None) -> tuple[IndexStoreError, bool]:
    """The error to raise for `exc`, and whether the connection is lost (reconnect first)."""
    text = _message(exc)
    lowered = text.lower()
    lost = _lost(exc, lowered)
    if lost or _temporary(exc, lowered):
        return BackendUnavailable(f"Milvus at {uri} did not answer {what}: {text}; "
                                  "check that Milvus is running and reachable, then retry"), lost
    missing = isinstance(exc, MilvusException) and exc.code == ErrorCode.COLLECTION_NOT_FOUND
    if name is not None and (missing or ("collection" in lowered
                                         and any(word in lowered for word in _MISSING_WORDS))):
        return CollectionNotFound(f"collection {name!r} does not exist (dropped by another replica?)"), False
    return IndexStoreError(f"Milvus refused {what}: {text}"), False


def _lost(exc: BaseException, lowered: str) -> bool:
    """A gRPC status of a lost or slow server anywhere in the chain (pymilvus stores the
    status's bound `code` method in MilvusException.code), or words that say so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "code", None)
        if callable(code):
            with contextlib.suppress(Exception):
                code = code()
        if code in _LOST_CODES:
            return True
        exc = exc.__cause__ if exc.__cause__ is not exc else exc.__context__
    return any(word in lowered for word in _LOST_WORDS)


def _temporary(exc: BaseException, lowered: str) -> bool:
    if isinstance(exc, MilvusException) and (
            exc.code in _TEMPORARY_CODES or exc.compatible_code in _TEMPORARY_LEGACY):
        return True
    return any(word in lowered for word in _TEMPORARY_WORDS)


def _message(exc: BaseException) -> str:
    if isinstance(exc, grpc.RpcError) and callable(getattr(exc, "details", None)):
        return f"{exc.code().name}: {exc.details()}"
    if isinstance(exc, MilvusException):
        return str(exc.message)
    return str(exc)
