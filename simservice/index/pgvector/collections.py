"""PgCollections: a schema in Postgres, its catalog table and one table per collection, shared by
any number of service replicas (each call reads the catalog: what one creates, all see)."""

from __future__ import annotations

import json
from dataclasses import asdict

from psycopg import errors as pg_errors
from psycopg import sql

from .. import validation as check
from ..collections_base import CollectionsBase
from ..errors import CollectionExists, IndexStoreError, InvalidArgument
from ..types import CollectionConfig, IndexSpec
from .link import PgLink
from .options import PgOptions
from .store import CATALOG, PgStore, table_name
MAX_LISTS = 32768  # pgvector's bound on IVFFlat lists


class PgCollections(CollectionsBase):
    """Collection `name` is the table `schema."name"` (the name itself, quoted: reversible); its
    indexes are named `:<catalog id>:...`, which no collection name can be."""

    backend = "pgvector"
    snapshot_tool = "Postgres's own tools (pg_dump of the schema, or the database's backups)"

    def __init__(self, options: PgOptions | None = None) -> None:
        self.options = options or PgOptions()
        self.link = PgLink(self.options)
        with self.link.transaction() as cur:  # one replica at a time sets up the schema
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.options.schema])
            if cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
                try:
                    cur.execute("CREATE EXTENSION vector")
                except pg_errors.InsufficientPrivilege:
                    raise IndexStoreError("the pgvector extension is not installed in this database: run "
                                          "`CREATE EXTENSION vector` as a superuser") from None
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.options.schema)))
            cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, id bigserial UNIQUE, "
                                "dim integer NOT NULL, metric text NOT NULL, spec jsonb NOT NULL, trained boolean NOT NULL DEFAULT false, "
                                "created timestamptz NOT NULL DEFAULT now())").format(self._ident(CATALOG)))

    def _ident(self, *names: str) -> sql.Identifier:
        return sql.Identifier(self.options.schema, *names)

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> PgStore:
        config = CollectionConfig(check.check_name(name), check.check_dim(dim), check.check_metric(metric))
        spec = check.check_index_spec(index)
        if spec.kind == "ivf" and spec.nlist > MAX_LISTS:
            raise InvalidArgument(f"index.nlist={spec.nlist}: at most {MAX_LISTS} lists in pgvector's IVFFlat")
        try:
            with self.link.transaction() as cur:  # DDL is transactional: all of it or none
                number = cur.execute(
                    sql.SQL("INSERT INTO {} (name, dim, metric, spec) VALUES (%s, %s, %s, %s) RETURNING id")
                    .format(self._ident(CATALOG)), [name, dim, metric, json.dumps(asdict(spec))]).fetchone()[0]
                table = self._ident(table_name(number))
                cur.execute(sql.SQL(
                    'CREATE TABLE {table} (id text COLLATE "C" NOT NULL, text bytea NOT NULL, metadata text NOT NULL, '
                    "filter_meta jsonb NOT NULL, vector vector({dim}) NOT NULL, CONSTRAINT {pkey} PRIMARY KEY (id))"
                ).format(table=table, dim=sql.Literal(dim), pkey=sql.Identifier(f":{number}:pkey")))
                if spec.kind != "exact":
                    cur.execute(_index_sql(table, sql.Identifier(f":{number}:{spec.kind}"), spec))
        except pg_errors.UniqueViolation:
            raise CollectionExists(f"collection {name!r} already exists: drop it first or use it") from None
        return PgStore(self.link, self.options.schema, number, _config(name, dim, metric, spec), spec)

    def get(self, name: str) -> PgStore:
        check.check_name(name)
        with self.link.transaction() as cur:
            row = cur.execute(sql.SQL("SELECT id, dim, metric, spec FROM {} WHERE name = %s")
                              .format(self._ident(CATALOG)), [name]).fetchone()
        if row is None:
            raise self._missing(name)
        number, dim, metric, spec = row
        spec = IndexSpec(**spec)
        return PgStore(self.link, self.options.schema, number, _config(name, dim, metric, spec), spec)

    def list(self) -> list[str]:
        with self.link.transaction() as cur:
            rows = cur.execute(sql.SQL("SELECT name FROM {}").format(self._ident(CATALOG))).fetchall()
        return sorted(row[0] for row in rows)

    def drop(self, name: str) -> None:
        check.check_name(name)
        with self.link.transaction() as cur:
            gone = cur.execute(sql.SQL("DELETE FROM {} WHERE name = %s RETURNING id").format(self._ident(CATALOG)),
                               [name]).fetchone()
            if gone is not None:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self._ident(table_name(gone[0]))))
        if gone is None:
            raise self._missing(name)

    def check(self) -> None:
        with self.link.transaction() as cur:
            cur.execute("SELECT 1")

    def close(self) -> None:
        self.link.close()


def _config(name: str, dim: int, metric: str, spec: IndexSpec) -> CollectionConfig:
    index = {"exact": "exact", "hnsw": "hnsw", "ivf": "ivfflat"}[spec.kind]
    return CollectionConfig(name, dim, metric, index=index)


def _index_sql(table: sql.Identifier, index: sql.Identifier, spec: IndexSpec) -> sql.Composed:
    """HNSW (m, ef_construction at least 2m and 64) or IVFFlat (lists), over inner product."""
    if spec.kind == "hnsw":
        return sql.SQL("CREATE INDEX {index} ON {table} USING hnsw (vector vector_ip_ops) "
                       "WITH (m = {m}, ef_construction = {ef})").format(
            index=index, table=table, m=sql.Literal(spec.m), ef=sql.Literal(max(64, 2 * spec.m, spec.ef)))
    return sql.SQL("CREATE INDEX {index} ON {table} USING ivfflat (vector vector_ip_ops) WITH (lists = {lists})"
                   ).format(index=index, table=table, lists=sql.Literal(spec.nlist))
