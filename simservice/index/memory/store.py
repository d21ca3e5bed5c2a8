"""NumpyStore: a brute-force, in-memory VectorStore used to cross-check the FAISS store.

Every search scores all items with one float32 matrix product, so its answers are exact by
construction; nothing is persisted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import filters
from .. import validation as check
from ..errors import ItemNotFound
from ..rwlock import ReadWriteLock
from ..types import CollectionConfig, CollectionInfo, Hit, IndexSpec, Item


class NumpyStore:
    """Exact search over a dense matrix; rows are swapped into the hole left by a delete."""

    def __init__(self, config: CollectionConfig, spec: IndexSpec | None = None) -> None:
        """`spec` is the index asked for: searched exactly all the same, it only decides which
        search_params a search may give, as on the other backends."""
        check.check_name(config.name)
        check.check_dim(config.dim)
        check.check_metric(config.metric)
        self.config = config
        self.spec = check.check_index_spec(spec)
        self._lock = ReadWriteLock()
        self._vectors = np.zeros((0, config.dim), dtype=np.float32)
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._metas: list[dict[str, Any]] = []
        self._row: dict[str, int] = {}

    def upsert(self, items: Sequence[Item]) -> None:
        ids, texts, metas, _, vectors = check.check_items(
            items, self.config.dim, normalize=self.config.metric == "cosine"
        )
        with self._lock.write():
            new_rows = []
            for index, item_id in enumerate(ids):
                row = self._row.get(item_id)
                if row is None:
                    row = len(self._ids)
                    new_rows.append(vectors[index])
                    self._ids.append(item_id)
                    self._texts.append(texts[index])
                    self._metas.append(metas[index])
                    self._row[item_id] = row
                else:
                    self._vectors[row] = vectors[index]
                    self._texts[row] = texts[index]
                    self._metas[row] = metas[index]
            if new_rows:
                self._vectors = np.concatenate([self._vectors, np.stack(new_rows)])

    def delete(self, ids: Sequence[str]) -> int:
        ids = check.check_ids(ids, unique=False)
        with self._lock.write():
            return self._delete(dict.fromkeys(ids))

    def delete_where(self, filter: dict[str, Any]) -> int:
        node = check.parse_delete_filter(filter)
        with self._lock.write():
            return self._delete([i for i, meta in zip(self._ids, self._metas) if filters.matches(meta, node)])

    def _delete(self, ids) -> int:
        """Delete by id, write lock held: each row is swapped with the last and the last dropped."""
        deleted = 0
        for item_id in ids:
            row = self._row.pop(item_id, None)
            if row is None:
                continue
            deleted += 1
            last = len(self._ids) - 1
            if row != last:
                self._vectors[row] = self._vectors[last]
                for column in (self._ids, self._texts, self._metas):
                    column[row] = column[last]
                self._row[self._ids[row]] = row
            for column in (self._ids, self._texts, self._metas):
                column.pop()
            self._vectors = self._vectors[:last]
        return deleted

    def get(self, item_id: str) -> Item:
        check.check_id(item_id)
        with self._lock.read():
            row = self._row.get(item_id)
            if row is None:
                raise ItemNotFound(f"no item with id {item_id!r} in collection {self.config.name!r}")
            return self._item(row)

    def get_many(self, ids: Sequence[str]) -> list[Item]:
        ids = check.check_ids(ids, unique=False)
        with self._lock.read():
            return [self._item(self._row[item_id]) for item_id in dict.fromkeys(ids) if item_id in self._row]

    def page(self, offset: int = 0, limit: int = 100) -> list[Item]:
        offset, limit = check.check_page(offset, limit)
        with self._lock.read():
            chosen = sorted(self._ids)[offset : offset + limit]
            return [self._item(self._row[item_id]) for item_id in chosen]

    def count(self) -> int:
        return len(self._ids)

    def search(
        self,
        queries: np.ndarray,
        k: int = 10,
        filter: dict[str, Any] | None = None,
        min_score: float | None = None,
        search_params: dict[str, int] | None = None,
    ) -> list[list[Hit]]:
        queries, k, node, min_score = check.check_search(queries, k, filter, min_score, self.config)
        check.check_search_params(search_params, self.spec)  # checked as elsewhere; the search is exact anyway
        with self._lock.read():
            scores = queries @ self._vectors.T
            allowed = np.array([filters.matches(meta, node) for meta in self._metas], dtype=bool)
            results = []
            for row_scores in scores:
                keep = allowed.copy()
                if min_score is not None:
                    keep &= row_scores >= min_score
                rows = np.flatnonzero(keep)
                rows = rows[np.argsort(-row_scores[rows], kind="stable")[:k]]
                results.append([
                    Hit(self._ids[r], float(row_scores[r]), self._texts[r], self._metas[r])
                    for r in rows
                ])
            return results

    def info(self) -> CollectionInfo:
        return CollectionInfo(
            name=self.config.name, dim=self.config.dim, metric=self.config.metric,
            index="numpy", active_index="numpy", search_params={}, count=self.count(),
            tombstones=0, disk_bytes=0, note="in memory, brute force", spec=IndexSpec(), backend="numpy",
        )

    def close(self) -> None:
        pass

    def _item(self, row: int) -> Item:
        return Item(self._ids[row], self._vectors[row].copy(), self._texts[row], self._metas[row])
