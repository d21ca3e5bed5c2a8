"""The Milvus backend's options, parsed from a milvus:// URL. Imports nothing of the package, so a
milvus:// URL is parsed without pymilvus."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MilvusOptions:
    """Where the Milvus server is and how to log in; collections are named `prefix + name`."""

    uri: str = "http://127.0.0.1:19530"
    token: str | None = None  # "user:password" or an API key, for secured clusters
    prefix: str = "simservice_"
    timeout: float = 10.0  # seconds one Milvus call may take before the backend counts as unavailable
