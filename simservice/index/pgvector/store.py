"""PgStore: one collection as one Postgres table; every write one transaction, durable once committed."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from psycopg import sql

from .. import validation as check
from ..errors import IndexStoreError, ItemNotFound
from ..types import CollectionConfig, CollectionInfo, Hit, IndexSpec, Item
from . import sql_filters
from .link import PgLink

CATALOG = "_collections"  # no collection name starts with "_": the catalog never shares a name with one
TRAIN_TIMEOUT_MS = 600_000  # the one rebuild may take longer than a statement
TRAIN_MIN = 1000  # an IVFFlat index is rebuilt once from at least this many rows (and 39 per list), as FAISS trains
MAX_EF_SEARCH = 1000  # pgvector's bound on hnsw.ef_search, which also bounds the rows one index scan returns
COLUMNS = "id, text, metadata, vector::real[]"
log = logging.getLogger(__name__)



def table_name(number: int) -> str:
    """A collection's table, named by its catalog id: every API name fits, whatever Postgres's 63-byte
    limit on identifiers (the catalog maps names to ids)."""
    return f":{number}:items"

class PgStore:
    """Items in a table (id, text, exact JSON metadata, its JSONB filter copy, vector); search orders by
    `vector <#> query` (negative inner product), through the HNSW or IVFFlat index when there is one."""

    def __init__(self, link: PgLink, schema: str, number: int, config: CollectionConfig, spec: IndexSpec) -> None:
        """`number` is the collection's catalog id, which names its indexes (`:<id>:hnsw`)."""
        self.link = link
        self.config = config
        self.spec = spec
        self.table = sql.Identifier(schema, table_name(number))
        self.catalog = sql.Identifier(schema, CATALOG)
        self.index = sql.Identifier(schema, f":{number}:{spec.kind}")

    def _sql(self, template: str) -> sql.Composed:
        return sql.SQL(template).format(table=self.table)

    def upsert(self, items: Sequence[Item]) -> None:
        ids, texts, _, meta_texts, vectors = check.check_items(items, self.config.dim,
                                                              normalize=self.config.metric == "cosine")
        if not ids:
            return
        rows = [(item_id, text.encode(), meta_text, sql_filters.filter_copy(json.loads(meta_text)), vector.tolist())
                for item_id, text, meta_text, vector in zip(ids, texts, meta_texts, vectors)]
        query = self._sql("INSERT INTO {table} (id, text, metadata, filter_meta, vector) "
                          "VALUES (%s, %s, %s, %s::jsonb, %s::real[]::vector) ON CONFLICT (id) DO UPDATE SET "
                          "text = EXCLUDED.text, metadata = EXCLUDED.metadata, filter_meta = EXCLUDED.filter_meta, "
                          "vector = EXCLUDED.vector")
        with self.link.transaction() as cur:
            cur.executemany(query, rows)
        if self.spec.kind == "ivf":
            self._train_when_due()

    def _train_when_due(self) -> None:
        """IVFFlat takes its lists from the rows there when it is built, and a collection starts empty:
        once it holds enough rows, rebuild the index from them, once, after the write has committed
        (a failure is logged and tried again after the next write)."""
        try:
            with self.link.transaction() as cur:
                trained = cur.execute(sql.SQL("SELECT trained FROM {} WHERE name = %s FOR UPDATE")
                                      .format(self.catalog), [self.config.name]).fetchone()
                if trained is None or trained[0]:
                    return
                if cur.execute(self._sql("SELECT count(*) FROM {table}")).fetchone()[0] < self._train_at():
                    return
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [str(TRAIN_TIMEOUT_MS)])
                cur.execute(sql.SQL("REINDEX INDEX {}").format(self.index))
                cur.execute(sql.SQL("UPDATE {} SET trained = true WHERE name = %s").format(self.catalog),
                            [self.config.name])
        except IndexStoreError as exc:
            log.warning("collection %r: rebuilding its IVFFlat index failed, tried again after the next write: %s",
                        self.config.name, exc)

    def _train_at(self) -> int:
        return max(TRAIN_MIN, 39 * self.spec.nlist)

    def delete(self, ids: Sequence[str]) -> int:
        ids = check.check_ids(ids, unique=False)
        if not ids:
            return 0
        with self.link.transaction() as cur:
            cur.execute(self._sql("DELETE FROM {table} WHERE id = ANY(%s)"), [list(dict.fromkeys(ids))])
            return cur.rowcount

    def delete_where(self, filter: dict[str, Any]) -> int:
        where, params = sql_filters.translate(check.parse_delete_filter(filter))
        with self.link.transaction() as cur:
            cur.execute(self._sql("DELETE FROM {table} WHERE ") + sql.SQL(where), params)
            return cur.rowcount

    def get(self, item_id: str) -> Item:
        check.check_id(item_id)
        with self.link.transaction() as cur:
            row = cur.execute(self._sql(f"SELECT {COLUMNS} FROM {{table}} WHERE id = %s"), [item_id]).fetchone()
        if row is None:
            raise ItemNotFound(f"no item with id {item_id!r} in collection {self.config.name!r}")
        return _item(row)

    def get_many(self, ids: Sequence[str]) -> list[Item]:
        ids = list(dict.fromkeys(check.check_ids(ids, unique=False)))
        if not ids:
            return []
        with self.link.transaction() as cur:
            rows = cur.execute(self._sql(f"SELECT {COLUMNS} FROM {{table}} WHERE id = ANY(%s)"), [ids]).fetchall()
        return check.in_order_asked(ids, map(_item, rows))

    def page(self, offset: int = 0, limit: int = 100) -> list[Item]:
        offset, limit = check.check_page(offset, limit)
        with self.link.transaction() as cur:  # ids are COLLATE "C": byte order, which is code-point order
            rows = cur.execute(self._sql(f"SELECT {COLUMNS} FROM {{table}} ORDER BY id LIMIT %s OFFSET %s"),
                               [limit, offset]).fetchall()
        return [_item(row) for row in rows]

    def count(self) -> int:
        with self.link.transaction() as cur:
            return cur.execute(self._sql("SELECT count(*) FROM {table}")).fetchone()[0]

    def search(
        self,
        queries: np.ndarray,
        k: int = 10,
        filter: dict[str, Any] | None = None,
        min_score: float | None = None,
        search_params: dict[str, int] | None = None,
    ) -> list[list[Hit]]:
        queries, k, node, min_score = check.check_search(queries, k, filter, min_score, self.config)
        knobs = check.check_search_params(search_params, self.spec)
        where, params = sql_filters.translate(node)
        query = self._sql("SELECT id, text, metadata, vector <#> %s::real[]::vector AS distance FROM {table} WHERE ") \
            + sql.SQL(where) + sql.SQL(" ORDER BY distance LIMIT %s")
        results = []
        with self.link.transaction(snapshot=True) as cur:  # every query row sees the same state
            self._tune(cur, knobs, k)
            for vector in queries:
                args = [vector.tolist(), *params, k]
                rows = cur.execute(query, args).fetchall()
                if len(rows) < k and self.spec.kind != "exact":  # the index walk ended early: ask exactly
                    cur.execute("SELECT set_config('enable_indexscan', 'off', true)")
                    rows = cur.execute(query, args).fetchall()
                    cur.execute("SELECT set_config('enable_indexscan', 'on', true)")
                results.append([Hit(row[0], -float(row[3]), bytes(row[1]).decode(), json.loads(row[2]))
                                for row in rows if min_score is None or -float(row[3]) >= min_score])
        return results

    def _tune(self, cur, knobs: dict[str, int], k: int) -> None:
        """This transaction's index knobs (SET LOCAL, through set_config so the values are bound)."""
        if self.spec.kind == "hnsw":
            ef = min(MAX_EF_SEARCH, max(knobs.get("ef", self.spec.ef), k))
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef)])
        elif self.spec.kind == "ivf":
            cur.execute("SELECT set_config('ivfflat.probes', %s, true)", [str(knobs.get("nprobe", self.spec.nprobe))])

    def info(self) -> CollectionInfo:
        with self.link.transaction() as cur:
            count, size = cur.execute(self._sql("SELECT count(*), pg_total_relation_size(%s::regclass) FROM {table}"),
                                      [self.table.as_string(cur)]).fetchone()
            trained = cur.execute(sql.SQL("SELECT trained FROM {} WHERE name = %s").format(self.catalog),
                                  [self.config.name]).fetchone()
        params = {"hnsw": {"ef": self.spec.ef}, "ivf": {"nprobe": self.spec.nprobe}}.get(self.spec.kind, {})
        note = "Postgres + pgvector"
        if self.spec.kind == "ivf" and trained and not trained[0]:
            note += f"; IVFFlat lists are rebuilt from the rows once the collection holds {self._train_at()}"
        return CollectionInfo(
            name=self.config.name, dim=self.config.dim, metric=self.config.metric, index=self.config.index,
            active_index=self.config.index, search_params=params, count=count, tombstones=0, disk_bytes=size,
            note=note, spec=self.spec, backend="pgvector",
        )

    def close(self) -> None:
        """Connections belong to the manager."""


def _item(row) -> Item:
    return Item(row[0], np.asarray(row[3], dtype=np.float32), bytes(row[1]).decode(), json.loads(row[2]))
