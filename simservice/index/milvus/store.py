"""MilvusStore: one collection in a Milvus server, shared by every replica that opens it.

Schema: `id` VARCHAR primary key (the caller's id; 1024 bytes holds 256 characters of any
UTF-8 width), `text` VARCHAR(65535 bytes), `metadata` JSON, `vector` FLOAT_VECTOR(dim), IP
metric (cosine vectors are L2-normalised first, as in FAISS). Every read uses consistency
level Strong: Milvus waits until the query node has applied every write acknowledged before
the read's timestamp, so a write through one replica is seen by the next read on any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pymilvus import Collection

from .. import filters
from .. import validation as check
from ..errors import InvalidArgument, ItemNotFound
from ..types import CollectionConfig, CollectionInfo, Hit, IndexSpec, Item
from . import expressions
from .link import MilvusLink

CONSISTENCY = "Strong"
MAX_TEXT_BYTES = 65535  # Milvus VARCHAR's largest max_length
MAX_TOPK = 16384  # Milvus's largest search limit and query offset + limit
OVERFETCH = 4  # filters Milvus can only narrow down: ask for k*4, k*16, ... up to MAX_TOPK
WRITE_BATCH_BYTES = 16 << 20  # stay well under gRPC's 64 MiB message limit
FIELDS = ["id", "text", "metadata"]


class MilvusStore:
    """A VectorStore over one Milvus collection; holds no state a replica could disagree on."""

    def __init__(self, collection: Collection, config: CollectionConfig, spec: IndexSpec,
                 link: MilvusLink) -> None:
        self.config = config
        self.spec = spec
        self._collection = collection
        self._link = link
        self._options = link.rpc
        self._read = dict(self._options, consistency_level=CONSISTENCY)

    def upsert(self, items: Sequence[Item]) -> None:
        """Insert or replace by id. One Milvus upsert per 16 MiB of vectors: a larger batch is
        applied in parts, each atomic on its own."""
        ids, texts, metas, _, vectors = check.check_items(
            items, self.config.dim, normalize=self.config.metric == "cosine")
        for item_id, text in zip(ids, texts):
            if len(text.encode()) > MAX_TEXT_BYTES:
                raise InvalidArgument(f"text of item {item_id!r} is over {MAX_TEXT_BYTES} bytes as "
                                      "UTF-8, the most Milvus stores: shorten it")
        step = max(1, WRITE_BATCH_BYTES // (4 * self.config.dim + 2048))
        for start in range(0, len(ids), step):
            part = slice(start, start + step)
            with self._calling("upsert"):
                self._collection.upsert([ids[part], texts[part], metas[part], vectors[part]],
                                        **self._options)

    def delete(self, ids: Sequence[str]) -> int:
        """Delete by id; counts the ids that existed first (one query, then the delete)."""
        ids = list(dict.fromkeys(check.check_ids(ids, unique=False)))
        deleted = 0
        for start in range(0, len(ids), MAX_TOPK):
            expr = expressions.id_list(ids[start:start + MAX_TOPK])
            with self._calling("delete"):
                found = self._collection.query(expr, output_fields=["id"], **self._read)
                if found:
                    self._collection.delete(expressions.id_list([row["id"] for row in found]),
                                            **self._options)
            deleted += len(found)
        return deleted

    def get(self, item_id: str) -> Item:
        check.check_id(item_id)
        with self._calling("get"):
            rows = self._collection.query(expressions.id_list([item_id]),
                                          output_fields=FIELDS + ["vector"], **self._read)
        if not rows:
            raise ItemNotFound(f"no item with id {item_id!r} in collection {self.config.name!r}")
        return _item(rows[0])

    def get_many(self, ids: Sequence[str]) -> list[Item]:
        """The items of those ids that exist, one query per 16384 ids."""
        ids = list(dict.fromkeys(check.check_ids(ids, unique=False)))
        rows = []
        for start in range(0, len(ids), MAX_TOPK):
            with self._calling("get"):
                rows += self._collection.query(expressions.id_list(ids[start:start + MAX_TOPK]),
                                               output_fields=FIELDS + ["vector"], **self._read)
        return check.in_order_asked(ids, [_item(row) for row in rows])

    def page(self, offset: int = 0, limit: int = 100) -> list[Item]:
        """Items ordered by id. Milvus returns a limited query's rows in primary-key order, so
        the page is one query when offset + limit <= 16384; a deeper offset first walks the
        ids in chunks of 16384 (`id > last`), costing O(offset) ids sent over the wire."""
        offset, limit = check.check_page(offset, limit)
        expr, after = 'id > ""', None
        while offset + limit > MAX_TOPK:
            chunk = min(offset, MAX_TOPK)
            with self._calling("page"):
                rows = self._collection.query(expr, output_fields=["id"], limit=chunk, **self._read)
            if len(rows) < chunk:
                return []
            after = rows[-1]["id"]
            expr = f"id > {expressions.string_literal(after)}"
            offset -= chunk
        with self._calling("page"):
            rows = self._collection.query(expr, output_fields=FIELDS + ["vector"], offset=offset,
                                          limit=limit, **self._read)
        return [_item(row) for row in sorted(rows, key=lambda row: row["id"])]

    def count(self) -> int:
        with self._calling("count"):
            rows = self._collection.query("", output_fields=["count(*)"], **self._read)
        return int(rows[0]["count(*)"])

    def delete_where(self, filter: dict[str, Any]) -> int:
        """Delete every item whose metadata passes `filter` (not empty): the matching ids are
        found (Milvus's expression, each row re-checked here), then deleted 16384 at a time."""
        node = check.parse_delete_filter(filter)
        expr, _ = expressions.translate(node)
        chosen, after = [], ""
        while True:
            where = f"id > {expressions.string_literal(after)}" + (f" and ({expr})" if expr else "")
            with self._calling("delete"):
                rows = self._collection.query(where, output_fields=["id", "metadata"], limit=MAX_TOPK, **self._read)
            chosen += [row["id"] for row in rows if filters.matches(row.get("metadata") or {}, node)]
            if len(rows) < MAX_TOPK:
                break
            after = max(row["id"] for row in rows)
        for start in range(0, len(chosen), MAX_TOPK):
            with self._calling("delete"):
                self._collection.delete(expressions.id_list(chosen[start:start + MAX_TOPK]), **self._options)
        return len(chosen)

    def search(self, queries: np.ndarray, k: int = 10, filter: dict[str, Any] | None = None,
               min_score: float | None = None, search_params: dict[str, int] | None = None) -> list[list[Hit]]:
        """Top-k per query row. The filter goes to Milvus as an expression; where that can only
        be a superset (see expressions.py), hits are checked here on k*4, k*16, ... candidates,
        up to Milvus's 16384."""
        queries, k, node, min_score = check.check_search(queries, k, filter, min_score, self.config)
        knobs = check.check_search_params(search_params, self.spec)
        expr, exact = expressions.translate(node)
        results: list[list[Hit]] = [[] for _ in range(len(queries))]
        pending, fetch = list(range(len(queries))), k if exact else min(MAX_TOPK, OVERFETCH * k)
        while pending:
            with self._calling("search"):
                answers = self._collection.search(
                    queries[pending].tolist(), "vector", self._search_params(fetch, knobs), limit=fetch,
                    expr=expr or None, output_fields=FIELDS, **self._read)
            still = []
            for query, answer in zip(pending, answers):
                hits, done = _collect(answer, k, node, min_score)
                if done or len(answer) < fetch or fetch >= MAX_TOPK:
                    results[query] = hits
                else:
                    still.append(query)
            pending, fetch = still, min(MAX_TOPK, fetch * OVERFETCH)
        return results

    def info(self) -> CollectionInfo:
        count = self.count()
        index, params = index_params(self.spec)
        note = "stored in Milvus and shared by every replica; size on disk is Milvus's to report"
        return CollectionInfo(
            name=self.config.name, dim=self.config.dim, metric=self.config.metric,
            index=_describe(index, params), active_index=_describe(index, params),
            search_params=search_params(self.spec), count=count, tombstones=0, disk_bytes=0,
            note=note, spec=self.spec, backend="milvus")

    def close(self) -> None:
        """Nothing to release: the connection belongs to the manager."""

    def _search_params(self, limit: int, knobs: dict[str, int]) -> dict:
        params = {**search_params(self.spec), **knobs}
        if "ef" in params:
            params["ef"] = max(params["ef"], limit)  # Milvus's HNSW refuses ef below the limit
        return {"metric_type": "IP", "params": params}

    def _calling(self, what: str):
        return self._link.calling(f"{what} on collection {self.config.name!r}", self.config.name)


EF_CONSTRUCTION = 200


def index_params(spec: IndexSpec) -> tuple[str, dict[str, int]]:
    """Milvus's index type and build parameters for a backend-neutral spec."""
    if spec.kind == "hnsw":
        return "HNSW", {"M": spec.m, "efConstruction": max(EF_CONSTRUCTION, spec.ef)}
    if spec.kind == "ivf":
        return "IVF_FLAT", {"nlist": spec.nlist}
    return "FLAT", {}


def search_params(spec: IndexSpec) -> dict[str, int]:
    if spec.kind == "hnsw":
        return {"ef": spec.ef}
    if spec.kind == "ivf":
        return {"nprobe": spec.nprobe}
    return {}


def _describe(index: str, params: dict[str, int]) -> str:
    inner = ",".join(f"{key}={value}" for key, value in params.items())
    return f"{index}({inner})" if inner else index


def _collect(answer, k: int, node, min_score) -> tuple[list[Hit], bool]:
    """Hits from one query's candidates (best first); done when no later one can count."""
    hits = []
    for hit in answer:
        score = float(hit.distance)
        if min_score is not None and score < min_score:
            return hits, True
        entity = hit.entity
        metadata = entity.get("metadata") or {}
        if not filters.matches(metadata, node):
            continue
        hits.append(Hit(str(hit.id), score, entity.get("text") or "", metadata))
        if len(hits) == k:
            return hits, True
    return hits, False


def _item(row: dict) -> Item:
    return Item(row["id"], np.asarray(row["vector"], dtype=np.float32), row.get("text") or "",
                row.get("metadata") or {})
