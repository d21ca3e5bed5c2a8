"""A corpus in and out of a collection: rows imported (NDJSON lines, an uploaded file all-or-nothing
at once or checked whole then written as a background job, or rows a command read from a file), every
item exported as records, and one collection moved over another (reindex)."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Iterator, Sequence

from simservice.datafiles import BadInput, BadRow, Row, jsonl_rows, read_data, typed_cell
from simservice.corpus.records import Columns, ImportRow, import_rows, item_record, token_ids
from simservice.index import Item, ItemNotFound, VectorStore
from simservice.service.base import in_thread
from simservice.service.collection_ops import CollectionOperations
from simservice.service.config import NOBODY, Caller
from simservice.service.engine.background import WAIT, UploadJob
from simservice.service.engine.jobs import JobKind
from simservice.service.errors import ErrorKind, ServiceError

ENCODE_CHUNK = 1024  # texts queued at once: the queue forms its token-budget batches from them
EXPORT_PAGE = 1000


@dataclasses.dataclass(frozen=True)
class BulkResult:
    added: int
    updated: int
    checked: int  # rows that were (or, checking only, would be) imported
    skipped: list[BadRow]  # rows not imported, with the reason


class CorpusOperations(CollectionOperations):
    async def import_lines(self, name: str, body: bytes, *, truncate: bool = False, check_only: bool = False,
                           fail_on_bad: bool = False, caller: Caller = NOBODY) -> BulkResult:
        """Insert or replace the items of NDJSON lines; bad lines are skipped with their reason, or
        with `fail_on_bad` refuse the whole call before anything is written."""
        return await self._import(name, lambda: jsonl_rows(body, "text"), truncate=truncate, check_only=check_only,
                                  fail_on_bad=fail_on_bad, caller=caller, what="lines",
                                  to_skip="fix them or send on_bad_row=skip")

    async def import_file(self, name: str, data: bytes, fmt: str, *, file_name: str, truncate: bool = False,
                          typed_cells: bool = True, caller: Caller = NOBODY) -> BulkResult:
        """Insert or replace the items of a whole file (CSV, TSV, JSONL or TXT, read as `simservice import`
        reads it), all or nothing: one bad row, or a file that cannot be read, and nothing is written.
        `typed_cells`: CSV/TSV metadata cells spelling numbers, true, false or null are stored as such."""
        return await self._import(name, _file_rows(data, fmt, file_name, typed_cells), truncate=truncate,
                                  fail_on_bad=True, caller=caller, what=f"rows in {file_name}",
                                  to_skip="fix them and upload the file again")

    async def start_upload(self, name: str, data: bytes, fmt: str, *, file_name: str, truncate: bool = False,
                           typed_cells: bool = True) -> UploadJob:
        """Read and check a whole file as `import_file` does (one bad row and no job starts, nothing
        written), then encode and write its rows in the background, a chunk at a time, in file order,
        their texts encoded when no live request waits (`JobKind.UPLOAD`).
        A chunk is stored whole or not at all, a file is not: a job that fails or is cancelled midway
        leaves its first `rows_done` rows stored (through file line `stored_through`)."""
        jobs = self.require_jobs()
        jobs.check_room()  # before the long read and check
        store, keep, _ = await self._checked(name, _file_rows(data, fmt, file_name, typed_cells), truncate=truncate,
                                             fail_on_bad=True, what=f"rows in {file_name}",
                                             to_skip="fix them and upload the file again")

        async def write(job: UploadJob) -> None:
            for rows, ids in _chunks(keep):
                if job.cancel.is_set():
                    return
                updated = await self._write(store, rows, ids, NOBODY, JobKind.UPLOAD)
                job.added, job.updated = job.added + len(rows) - updated, job.updated + updated
                job.rows_done, job.stored_through = job.rows_done + len(rows), rows[-1].line

        return jobs.start_upload(len(keep), name, file_name, write)

    async def _import(self, name: str, read, *, truncate: bool, fail_on_bad: bool, caller: Caller, what: str,
                      to_skip: str, check_only: bool = False) -> BulkResult:
        with self.admit():
            store, keep, bad = await self._checked(name, read, truncate=truncate, fail_on_bad=fail_on_bad,
                                                   what=what, to_skip=to_skip, admitted=True)
            if check_only or not keep:
                return BulkResult(0, 0, len(keep), bad)
            updated = 0
            for rows, ids in _chunks(keep):
                updated += await self._write(store, rows, ids, caller)
        return BulkResult(len(keep) - updated, updated, len(keep), bad)

    async def _checked(self, name: str, read, *, truncate: bool, fail_on_bad: bool, what: str, to_skip: str,
                       admitted: bool = False):
        """(the store, the good rows with their token ids, the bad rows by line); INVALID listing the bad
        rows when `fail_on_bad`. Holds an admission slot while it reads, unless the caller holds one."""
        store = await in_thread(self.require_index().get, name)
        model = self.require_ready()
        with contextlib.nullcontext() if admitted else self.admit():
            rows = await in_thread(lambda: import_rows(read(), Columns()))
            good = [r for r in rows if isinstance(r, ImportRow)]
            ids, reasons = await in_thread(token_ids, model.tokenizer, [r.text for r in good], self.max_input_tokens,
                                           truncate, "send truncate=true")
        bad = sorted([r for r in rows if isinstance(r, BadRow)] +
                     [BadRow(r.number, r.line, why) for r, why in zip(good, reasons) if why], key=lambda b: b.line)
        if bad and fail_on_bad:
            listed = "; ".join(f"line {b.line}: {b.reason}" for b in bad[:10])
            noun = what if len(bad) > 1 else what.replace("s", "", 1)  # "1 bad row in x.csv", "2 bad rows"
            raise ServiceError(ErrorKind.INVALID, f"{len(bad)} bad {noun}, nothing written ({listed}"
                               f"{'; ...' if len(bad) > 10 else ''}): {to_skip}")
        return store, [(row, seq) for row, seq, why in zip(good, ids, reasons) if why is None], bad

    async def upsert_rows(self, name: str, rows: Sequence[ImportRow], *, truncate: bool = False,
                          to_cut: str = "pass --truncate", caller: Caller = NOBODY) -> tuple[int, int, list[str | None]]:
        """Encode and upsert the rows, durable on return: (added, updated, why each row was refused or None)."""
        store = await in_thread(self.require_index().get, name)
        ids, reasons = await self._tokens(rows, truncate, to_cut)
        keep = [i for i, reason in enumerate(reasons) if reason is None]
        if not keep:
            return 0, 0, reasons
        updated = await self._write(store, [rows[i] for i in keep], [ids[i] for i in keep], caller)
        return len(keep) - updated, updated, reasons

    async def check_rows(self, rows: Sequence[ImportRow], *, truncate: bool = False,
                         to_cut: str = "pass --truncate") -> list[str | None]:
        """For each row, why it cannot be imported (no tokens, too many), or None; writes nothing."""
        return (await self._tokens(rows, truncate, to_cut))[1]

    async def export(self, name: str, with_vectors: bool = False) -> Iterator[dict]:
        """Every item as {"id", "text", "metadata"[, "vector"]}, ordered by id, read a page at a time
        as the records are taken (NOT_FOUND at once for a missing collection)."""
        return _records(await in_thread(self.require_index().get, name), with_vectors)

    async def replace_collection(self, name: str, source: str) -> None:
        """Move collection `source` over `name` in one step (reindex: build beside, then swap)."""
        await in_thread(self.require_index().replace_collection, name, source)

    async def _tokens(self, rows: Sequence[ImportRow], truncate: bool, to_cut: str):
        tokenizer = self.require_ready().tokenizer
        return await in_thread(token_ids, tokenizer, [row.text for row in rows], self.max_input_tokens, truncate, to_cut)

    async def _write(self, store: VectorStore, rows: Sequence[ImportRow], ids: Sequence[Sequence[int]],
                     caller: Caller, kind: JobKind = JobKind.ENCODE) -> int:
        """Encode tokenized rows and upsert them; how many replaced an item of the same id. As
        `JobKind.UPLOAD` the texts wait behind live traffic, as long as that takes."""
        vectors = await self._run(kind, ids, [len(seq) for seq in ids], caller,
                                  WAIT if kind.background else None)
        items = [Item(row.id, vector, row.text, row.metadata) for row, vector in zip(rows, vectors)]
        updated = await in_thread(count_existing, store, [item.id for item in items])
        await in_thread(store.upsert, items)
        return updated


def _chunks(keep: Sequence[tuple[ImportRow, Sequence[int]]]):
    """The checked rows and their token ids, ENCODE_CHUNK at a time, in order."""
    for first in range(0, len(keep), ENCODE_CHUNK):
        part = keep[first:first + ENCODE_CHUNK]
        yield [row for row, _ in part], [seq for _, seq in part]


def _file_rows(data: bytes, fmt: str, file_name: str, typed_cells: bool):
    """A reader of an uploaded file's rows, INVALID (naming the file and line) when it cannot be read."""
    def rows():
        try:
            _, found = read_data(data, fmt, "text", file_name)
            found = [_typed(row) if typed_cells and fmt in ("csv", "tsv") else row for row in found]
        except BadInput as exc:
            raise ServiceError(ErrorKind.INVALID, str(exc)) from None
        if not found:
            raise ServiceError(ErrorKind.INVALID, f"{file_name}: no rows to import")
        return found
    return rows


def _typed(row: Row | BadRow) -> Row | BadRow:
    """A table row with its metadata cells as the values they spell (the id and text stay text)."""
    if isinstance(row, BadRow):
        return row
    record = {key: cell if key in ("id", "text") else typed_cell(cell) for key, cell in row.record.items()}
    return dataclasses.replace(row, record=record)


def count_existing(store: VectorStore, ids: Sequence[str]) -> int:
    """How many of `ids` the store holds (an upsert of them updates these and adds the rest)."""
    found = 0
    for item_id in ids:
        try:
            store.get(item_id)
            found += 1
        except ItemNotFound:
            pass
    return found


def _records(store: VectorStore, with_vectors: bool) -> Iterator[dict]:
    offset = 0
    while page := store.page(offset, EXPORT_PAGE):
        offset += len(page)
        for item in page:
            yield item_record(item.id, item.text, item.metadata, item.vector if with_vectors else None)
