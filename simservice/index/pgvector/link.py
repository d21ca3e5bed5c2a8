"""Connections to Postgres: a small pool, one transaction per call, bounded statement times,
and every lost or timed-out connection reported as BackendUnavailable (HTTP 503)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import psycopg
from psycopg import errors as pg_errors

from ..errors import BackendUnavailable, CollectionNotFound, IndexStoreError
from .options import PgOptions

MAX_IDLE = 8  # connections kept open between calls


class PgLink:
    """Hands out pooled connections, each call inside one transaction (COMMIT on success)."""

    def __init__(self, options: PgOptions) -> None:
        self.options = options
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection:
        ms = max(1, int(self.options.timeout * 1000))
        try:
            return psycopg.connect(self.options.uri, autocommit=True, connect_timeout=max(2, round(self.options.timeout)),
                                   options=f"-c statement_timeout={ms} -c lock_timeout={ms} "
                                           f"-c idle_in_transaction_session_timeout={ms}")
        except psycopg.OperationalError as exc:
            raise BackendUnavailable(f"Postgres is unreachable: {_first_line(exc)}") from None

    def _take(self) -> psycopg.Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        return self._connect()

    def _give(self, conn: psycopg.Connection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE and not conn.closed and not conn.broken:
                self._idle.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def transaction(self, *, snapshot: bool = False) -> Iterator[psycopg.Cursor]:
        """A cursor inside one transaction; `snapshot` makes every statement see one state (REPEATABLE READ)."""
        conn = self._take()
        try:
            with conn.transaction(), conn.cursor() as cur:
                if snapshot:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield cur
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            conn.close()
            self.close()  # the idle ones likely lost the same server: the next call connects afresh
            raise BackendUnavailable(f"Postgres did not answer: {_first_line(exc)}") from None
        except pg_errors.UniqueViolation:  # the caller says which name was taken
            self._give(conn)
            raise
        except pg_errors.UndefinedTable:
            self._give(conn)
            raise CollectionNotFound("the collection was dropped meanwhile") from None
        except psycopg.DatabaseError as exc:
            self._give(conn)
            raise IndexStoreError(f"Postgres refused: {_first_line(exc)}") from None
        except BaseException:
            self._give(conn)
            raise
        self._give(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
