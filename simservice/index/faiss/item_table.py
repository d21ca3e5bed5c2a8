"""ItemTable: the SQLite file that is each collection's source of truth.

Tables: `items` (fid, id, text, metadata JSON, vector blob), `config` (the collection's
config and a random uuid tying snapshots to this file) and `deletions` (a log of deleted
fids since the last snapshot). fids are int64 handed out in increasing order and never
reused, so "items added since a snapshot" is simply "fid > snapshot's max fid". The file runs
in WAL mode with synchronous=FULL: a batch is durable once `commit` returns.
Writes must be serialised by the caller (the store's write lock); reads may run from any
thread, each on its own connection.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from ..types import CollectionConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS deletions (seq INTEGER PRIMARY KEY AUTOINCREMENT, fid INTEGER NOT NULL);
"""
_IN_JSON = "(SELECT value FROM json_each(?))"
_NUL = "\\u0000"  # U+0000 as json.dumps writes it


class ItemTable:
    """Items, config and deletion log of one collection in one SQLite file."""

    def __init__(self, path: str, config: CollectionConfig | None = None) -> None:
        """Open `path`; with `config`, create it (the file must not hold another config)."""
        self.path = path
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._db = self._connect()
        self._db.executescript(SCHEMA)
        if config is not None and self._get("config") is None:
            with self.transaction():
                self._put("config", asdict(config))
                self._put("uuid", uuid.uuid4().hex)
        if self._get("config") is None:
            raise FileNotFoundError(f"{path} holds no collection config")

    # -- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=10000")
        return db

    def _reader(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            db.execute("PRAGMA query_only=1")
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def close(self) -> None:
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        self._db.close()

    class _Transaction:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, kind, *_) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def transaction(self) -> _Transaction:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on the writer connection."""
        return self._Transaction(self._db)

    # -- config --------------------------------------------------------------------------

    def _get(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def _put(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO config VALUES (?, ?)", (key, json.dumps(value)))

    @property
    def config(self) -> CollectionConfig:
        return CollectionConfig(**self._get("config"))

    @property
    def uuid(self) -> str:
        return self._get("uuid")

    def set_config(self, config: CollectionConfig) -> None:
        with self.transaction():
            self._put("config", asdict(config))

    def adopt(self, name: str) -> None:
        """Make a copied table a collection of its own (a restored snapshot): its new name, a new
        uuid (no index snapshot of the original applies to it) and an empty deletion log."""
        with self.transaction() as db:
            self._put("config", {**self._get("config"), "name": name})
            self._put("uuid", uuid.uuid4().hex)
            db.execute("DELETE FROM deletions")

    # -- writes (caller holds the write lock) --------------------------------------------

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadata: Sequence[str],
               vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace or insert rows in one transaction; returns (new fids, fids replaced)."""
        with self.transaction() as db:
            replaced = self._remove(db, ids)
            first = self.max_fid(db) + 1
            fids = np.arange(first, first + len(ids), dtype=np.int64)
            db.executemany(
                "INSERT INTO items (fid, id, text, metadata, vector) VALUES (?, ?, ?, ?, ?)",
                zip(fids.tolist(), ids, texts, metadata, (row.tobytes() for row in vectors)),
            )
        return fids, replaced

    def delete(self, ids: Sequence[str]) -> np.ndarray:
        """Delete rows by id in one transaction; returns the fids removed."""
        with self.transaction() as db:
            return self._remove(db, ids)

    def _remove(self, db: sqlite3.Connection, ids: Sequence[str]) -> np.ndarray:
        ids_json = json.dumps(list(ids))
        fids = [row[0] for row in db.execute(f"SELECT fid FROM items WHERE id IN {_IN_JSON}", (ids_json,))]
        if fids:
            db.execute(f"DELETE FROM items WHERE id IN {_IN_JSON}", (ids_json,))
            db.executemany("INSERT INTO deletions (fid) VALUES (?)", ((fid,) for fid in fids))
        return np.array(fids, dtype=np.int64)

    def delete_where(self, where: str, params: Sequence[Any], check: Callable[[dict], bool]) -> np.ndarray:
        """Delete the rows `fids_where` chooses, in one transaction; returns their fids."""
        with self.transaction() as db:
            fids = self._fids_where(db, where, params, check)
            if len(fids):
                chosen = json.dumps(fids.tolist())
                db.execute(f"DELETE FROM items WHERE fid IN {_IN_JSON}", (chosen,))
                db.execute("INSERT INTO deletions (fid) SELECT value FROM json_each(?)", (chosen,))
            return fids

    def forget_deletions(self, upto_seq: int) -> None:
        """Drop the deletion log up to a sequence number a durable snapshot already covers."""
        with self.transaction() as db:
            db.execute("DELETE FROM deletions WHERE seq <= ?", (upto_seq,))

    # -- reads ---------------------------------------------------------------------------

    def _seq(self, table: str, db: sqlite3.Connection | None = None) -> int:
        db = db or self._reader()
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return 0 if row is None else int(row[0])

    def max_fid(self, db: sqlite3.Connection | None = None) -> int:
        """The highest fid ever handed out (0 if none)."""
        return self._seq("items", db)

    def deletion_seq(self) -> int:
        """The sequence number of the last deletion ever logged (0 if none)."""
        return self._seq("deletions")

    def deletions_since(self, seq: int) -> np.ndarray:
        rows = self._reader().execute("SELECT fid FROM deletions WHERE seq > ?", (seq,))
        return np.array([row[0] for row in rows], dtype=np.int64)

    def oldest_deletion_seq(self) -> int | None:
        row = self._reader().execute("SELECT min(seq) FROM deletions").fetchone()
        return row[0]

    def count(self) -> int:
        return self._reader().execute("SELECT count(*) FROM items").fetchone()[0]

    def get(self, item_id: str) -> tuple | None:
        """(id, text, metadata JSON, vector blob) or None."""
        return self._reader().execute(
            "SELECT id, text, metadata, vector FROM items WHERE id = ?", (item_id,)
        ).fetchone()

    def get_many(self, ids_json: str) -> list[tuple]:
        """(id, text, metadata JSON, vector blob) of the ids (a JSON list) that exist, in no order."""
        return self._reader().execute(
            f"SELECT id, text, metadata, vector FROM items WHERE id IN {_IN_JSON}", (ids_json,)
        ).fetchall()

    def page(self, offset: int, limit: int) -> list[tuple]:
        return self._reader().execute(
            "SELECT id, text, metadata, vector FROM items ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()

    def payloads(self, fids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
        """fid -> (id, text, metadata JSON) for the fids that still exist."""
        rows = self._reader().execute(
            f"SELECT fid, id, text, metadata FROM items WHERE fid IN {_IN_JSON}",
            (json.dumps([int(f) for f in fids]),),
        )
        return {row[0]: row[1:] for row in rows}

    def fids_where(self, where: str, params: Sequence[Any], check: Callable[[dict], bool]) -> np.ndarray:
        """The fids (ascending) of the rows whose metadata passes the SQL condition `where` (over
        the column `metadata`, with bound `params`). SQLite's JSON functions cut strings at U+0000,
        so rows whose JSON holds one (written `\\u0000`) are decided by `check(metadata)` instead."""
        return self._fids_where(self._reader(), where, params, check)

    @staticmethod
    def _fids_where(db, where: str, params: Sequence[Any], check: Callable[[dict], bool]) -> np.ndarray:
        rows = db.execute(
            f"SELECT fid, CASE WHEN instr(metadata, ?) THEN metadata END FROM items "
            f"WHERE instr(metadata, ?) OR ({where}) ORDER BY fid", (_NUL, _NUL, *params))
        return np.fromiter((fid for fid, odd in rows if odd is None or check(json.loads(odd))), dtype=np.int64)

    def fids(self) -> np.ndarray:
        rows = self._reader().execute("SELECT fid FROM items ORDER BY fid")
        return np.fromiter((row[0] for row in rows), dtype=np.int64)

    def vectors(self, fids: Sequence[int], dim: int) -> np.ndarray:
        """The vectors of the given fids in that order (all must exist)."""
        found: dict[int, bytes] = {}
        for start in range(0, len(fids), 50_000):
            chunk = json.dumps([int(f) for f in fids[start : start + 50_000]])
            found.update(self._reader().execute(
                f"SELECT fid, vector FROM items WHERE fid IN {_IN_JSON}", (chunk,)))
        return _matrix([found[int(f)] for f in fids], dim)

    def scan_vectors(self, dim: int, after_fid: int = 0, chunk: int = 20_000
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(fids, vectors) in fid order, `chunk` rows at a time, for fids above `after_fid`."""
        db = self._reader()
        while True:
            rows = db.execute(
                "SELECT fid, vector FROM items WHERE fid > ? ORDER BY fid LIMIT ?",
                (after_fid, chunk),
            ).fetchall()
            if not rows:
                return
            fids = np.array([row[0] for row in rows], dtype=np.int64)
            yield fids, _matrix([row[1] for row in rows], dim)
            after_fid = int(fids[-1])

    def disk_bytes(self) -> int:
        return sum(os.path.getsize(self.path + suffix) for suffix in ("", "-wal", "-shm")
                   if os.path.exists(self.path + suffix))


def _matrix(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim).copy()
