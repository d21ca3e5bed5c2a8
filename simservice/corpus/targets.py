"""Where an import writes and an export reads: the index of an index URL (the service stopped) or a running
server (`--url`). Both answer the same four questions, so the import and export loops are one."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Iterator, Protocol, Sequence

from simservice.corpus.records import ImportRow
from simservice.http_client import HttpError, ServiceClient
from simservice.index import CollectionNotFound, IndexUrl, open_index
from simservice.inference.load_pipeline import load_model
from simservice.service.core import Service


class Target(Protocol):
    def refusals(self, rows: Sequence[ImportRow]) -> list[str | None]:
        """For each row, why it cannot be imported (too many tokens), or None; writes nothing."""

    def write(self, rows: Sequence[ImportRow]) -> tuple[int, int, list[str | None]]:
        """Encode and upsert the rows (durable on return): (added, updated, refusal per row)."""

    def count(self) -> int:
        """Items in the collection."""

    def items(self, with_vectors: bool) -> Iterator[dict]:
        """Every item as {"id", "text", "metadata"[, "vector"]}, ordered by id."""


class LocalTarget:
    """A collection of the index an index URL names (registry.py), through the service core; the model
    is loaded only when texts must be encoded."""

    def __init__(self, index: IndexUrl, collection: str, model_path: str, truncate: bool = False,
                 create: bool = True):
        self.manager = open_index(index)
        self.where = os.path.abspath(index.options) if index.backend == "faiss" else index.shown  # for resume state
        self.service = Service.local(lambda: load_model(model_path), self.manager, model_path)
        self.collection = collection
        self.truncate = truncate
        self._create = create  # the collection is made (if absent) on the first write

    def refusals(self, rows: Sequence[ImportRow]) -> list[str | None]:
        return asyncio.run(self.service.check_rows(rows, truncate=self.truncate))

    def write(self, rows: Sequence[ImportRow]) -> tuple[int, int, list[str | None]]:
        if self._create:
            asyncio.run(self.service.ensure_collection(self.collection))
            self._create = False
        return asyncio.run(self.service.upsert_rows(self.collection, rows, truncate=self.truncate))

    def count(self) -> int:
        return asyncio.run(self.service.describe_collection(self.collection)).count

    def index_spec(self) -> tuple[str, dict]:
        """The collection's neutral index kind and numbers ("exact" for a FAISS string without a name)."""
        spec = asyncio.run(self.service.describe_collection(self.collection)).spec
        return (spec.kind, spec.params()) if spec else ("exact", {})

    def create(self, kind: str, params: dict) -> None:
        """Create the collection (empty) with that index; an existing one is dropped first."""
        try:
            asyncio.run(self.service.drop_collection(self.collection))
        except CollectionNotFound:
            pass
        asyncio.run(self.service.create_collection(self.collection, kind=kind, params=params))
        self._create = False

    def swap_into(self, name: str) -> None:
        """Move this collection over `name` in one step."""
        asyncio.run(self.service.replace_collection(name, self.collection))

    def items(self, with_vectors: bool) -> Iterator[dict]:
        return asyncio.run(self.service.export(self.collection, with_vectors))

    def sibling(self, collection: str) -> "LocalTarget":
        """Another collection of the same directory, sharing this one's open index and model."""
        other = object.__new__(LocalTarget)
        other.__dict__.update(self.__dict__, collection=collection, _create=True)
        return other

    def close(self) -> None:
        self.manager.close()


class HttpTarget:
    """A collection of a running server: NDJSON through /collections/{name}/items/bulk and /export."""

    def __init__(self, url: str, collection: str, api_key: str | None = None, truncate: bool = False,
                 timeout: float = 600.0, create: bool = True):
        self.client = ServiceClient(url, api_key, timeout)
        self.collection = collection
        self.truncate = truncate
        self._ensured = not create

    def _ensure(self) -> None:
        if self._ensured:
            return
        try:
            self.client.call_json("GET", f"/collections/{self.collection}")
        except HttpError as exc:
            if exc.status != 404:
                raise
            self.client.call_json("POST", "/collections", {"name": self.collection})
        self._ensured = True

    def _bulk(self, rows: Sequence[ImportRow], check_only: bool) -> dict:
        self._ensure()
        body = "".join(json.dumps({"id": r.id, "text": r.text, "metadata": r.metadata}, ensure_ascii=False) + "\n"
                       for r in rows).encode()
        with self.client.request("POST", f"/collections/{self.collection}/items/bulk", body, "application/x-ndjson",
                           truncate=self.truncate, check_only=check_only) as response:
            answer = json.load(response)
        reasons: list[str | None] = [None] * len(rows)
        for bad in answer["skipped"]:
            reasons[bad["line"] - 1] = bad["reason"]
        answer["reasons"] = reasons
        return answer

    def refusals(self, rows: Sequence[ImportRow]) -> list[str | None]:
        return self._bulk(rows, check_only=True)["reasons"]

    def write(self, rows: Sequence[ImportRow]) -> tuple[int, int, list[str | None]]:
        answer = self._bulk(rows, check_only=False)
        return answer["added"], answer["updated"], answer["reasons"]

    def count(self) -> int:
        return self.client.call_json("GET", f"/collections/{self.collection}")["count"]

    def index_spec(self) -> tuple[str, dict]:
        described = self.client.call_json("GET", f"/collections/{self.collection}")
        kind = described["index"]
        return ("exact", {}) if kind == "custom" else (kind, described["index_params"])

    def create(self, kind: str, params: dict) -> None:
        try:
            self.client.request("DELETE", f"/collections/{self.collection}").close()
        except HttpError as exc:
            if exc.status != 404:
                raise
        self.client.call_json("POST", "/collections", {"name": self.collection, "index": kind, "index_params": params})
        self._ensured = True

    def swap_into(self, name: str) -> None:
        self.client.call_json("POST", f"/collections/{name}/replace", {"source": self.collection})

    def items(self, with_vectors: bool) -> Iterator[dict]:
        with self.client.request("GET", f"/collections/{self.collection}/export", vectors=with_vectors) as response:
            for line in response:
                if line.strip():
                    yield json.loads(line)

    def sibling(self, collection: str) -> "HttpTarget":
        other = object.__new__(HttpTarget)
        other.__dict__.update(self.__dict__, collection=collection, _ensured=False)
        return other

    def close(self) -> None:
        pass
