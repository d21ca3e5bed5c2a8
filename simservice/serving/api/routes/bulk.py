"""Bulk routes: many items in one NDJSON request, every item out as NDJSON, and a one-step swap of two
collections (what `simservice import`, `export` and `reindex --url` use)."""

from __future__ import annotations

import json
import re
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from simservice.augment.rows import BadRow, jsonl_rows
from simservice.corpus.records import Columns, ImportRow, import_rows, token_ids
from simservice.corpus.targets import count_existing, item_record
from simservice.index import Item
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.door import DoorRoute
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.corpus_schemas import BulkResponse, ReplaceRequest, SkippedLine
from simservice.serving.api.deps import Index, ReadyModel, State
from simservice.serving.api.schemas import CollectionName
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.engine.jobs import JobKind

MAX_BULK_BYTES = 64 << 20  # an NDJSON body: ~500k short items; split larger files over requests
BULK_PATH = re.compile(r"/collections/[^/]+/items/bulk")
ENCODE_CHUNK = 1024  # texts queued at once: the queue forms its token-budget batches from them
EXPORT_PAGE = 1000
EXPORT_CHUNK = 64 << 10  # bytes sent at once: uvicorn's send buffer holds about one

router = APIRouter(prefix="/collections", tags=["bulk"], route_class=DoorRoute,
                   dependencies=[Depends(require_api_key)])


@router.post("/{name}/items/bulk", response_model=BulkResponse,
             summary=f"insert or replace many items from NDJSON lines (body up to {MAX_BULK_BYTES >> 20} MiB)",
             description="One JSON object a line: {\"id\": ..., \"text\": ..., \"metadata\": {...}} (id made from "
                         "the text when absent; other keys join the metadata). Lines that are malformed, empty, "
                         "over the token limit or repeat an id are skipped and listed with their line numbers, "
                         "or, with on_bad_row=fail, refuse the whole request before anything is written.",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def bulk_upsert(name: CollectionName, state: State, index: Index, model: ReadyModel, request: Request,
                      truncate: bool = Query(False, description="cut texts over the token limit instead of skipping"),
                      check_only: bool = Query(False, description="check every line, write nothing"),
                      on_bad_row: Literal["skip", "fail"] = Query("skip", description="skip bad lines or refuse all")):
    store = await run_in_threadpool(index.get, name)  # 404 before reading the body
    body = await request.body()
    with state.admission.slot():  # 429 past the in-flight limit, as the model routes
        rows = await run_in_threadpool(lambda: import_rows(jsonl_rows(body, "text"), Columns()))
        good = [r for r in rows if isinstance(r, ImportRow)]
        ids, reasons = await run_in_threadpool(token_ids, model.tokenizer, [r.text for r in good],
                                               state.max_input_tokens, truncate, "send truncate=true")
        bad = sorted([r for r in rows if isinstance(r, BadRow)] +
                     [BadRow(r.number, r.line, why) for r, why in zip(good, reasons) if why], key=lambda b: b.line)
        keep = [(row, seq) for row, seq, why in zip(good, ids, reasons) if why is None]
        skipped = [SkippedLine(line=b.line, reason=b.reason) for b in bad]
        if bad and on_bad_row == "fail":
            listed = "; ".join(f"line {b.line}: {b.reason}" for b in bad[:10])
            raise ServiceError(ErrorKind.INVALID, f"{len(bad)} bad lines, nothing written ({listed}"
                               f"{'; ...' if len(bad) > 10 else ''}): fix them or send on_bad_row=skip")
        if check_only or not keep:
            return BulkResponse(added=0, updated=0, checked=len(keep), skipped=skipped)
        updated = 0
        for first in range(0, len(keep), ENCODE_CHUNK):
            part = keep[first:first + ENCODE_CHUNK]
            vectors = await state.run(request, JobKind.ENCODE, [seq for _, seq in part], [len(seq) for _, seq in part])
            items = [Item(row.id, vector, row.text, row.metadata) for (row, _), vector in zip(part, vectors)]
            updated += await run_in_threadpool(count_existing, store, [item.id for item in items])
            await run_in_threadpool(store.upsert, items)
    return BulkResponse(added=len(keep) - updated, updated=updated, checked=len(keep), skipped=skipped)


@router.get("/{name}/export", summary="every item as NDJSON lines (id, text, metadata[, vector]), ordered by id",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def export_items(name: CollectionName, index: Index,
                       vectors: bool = Query(False, description="include each item's stored vector")):
    store = await run_in_threadpool(index.get, name)

    def chunks():
        """Lines in chunks of about EXPORT_CHUNK bytes, each made when the client has taken the last one
        (uvicorn's send waits while its buffer is full), so a slow reader holds one page and one chunk."""
        offset, chunk, size = 0, [], 0
        while page := store.page(offset, EXPORT_PAGE):
            offset += len(page)
            for item in page:
                chunk.append(_line(item, vectors))
                size += len(chunk[-1])
                if size >= EXPORT_CHUNK:
                    yield "".join(chunk).encode()
                    chunk, size = [], 0
        if chunk:
            yield "".join(chunk).encode()

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


def _line(item: Item, with_vector: bool) -> str:
    return json.dumps(item_record(item.id, item.text, item.metadata, item.vector if with_vector else None),
                      ensure_ascii=False) + "\n"


@router.post("/{name}/replace", status_code=204,
             summary="move another collection over this one in one step (reindex: build beside, then swap)",
             responses=error_responses(409))
async def replace_collection(name: CollectionName, body: ReplaceRequest, index: Index):
    await run_in_threadpool(index.replace_collection, name, body.source)
