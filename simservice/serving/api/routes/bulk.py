"""Bulk routes: many items in one NDJSON request, a whole CSV/TSV/JSONL file all or nothing or checked
then written as a background job (the playground's upload), every item out as NDJSON, and a one-step
swap of two collections (what `simservice import`, `export` and `reindex --url` use)."""

from __future__ import annotations

import json
import re
from typing import Iterator, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from simservice.serving.api.auth import require_api_key
from simservice.serving.api.corpus_schemas import BulkResponse, ReplaceRequest, SkippedLine
from simservice.serving.api.deps import CallerDep, Index, ReadyModel, ServiceDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.job_schemas import JobStatus, job_status
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.schemas import CollectionName

MAX_BULK_BYTES = 64 << 20  # an NDJSON body: ~500k short items; split larger files over requests
BULK_PATH = re.compile(r"/collections/[^/]+/items/bulk")
MAX_FILE_BYTES = 16 << 20  # an uploaded file
FILE_PATH = re.compile(r"/collections/[^/]+/items/upload")
EXPORT_CHUNK = 64 << 10  # bytes sent at once: uvicorn's send buffer holds about one

router = APIRouter(prefix="/collections", tags=["bulk"], route_class=GuardedRoute,
                   dependencies=[Depends(require_api_key)])


@router.post("/{name}/items/bulk", response_model=BulkResponse,
             summary=f"insert or replace many items from NDJSON lines (body up to {MAX_BULK_BYTES >> 20} MiB)",
             description="One JSON object a line: {\"id\": ..., \"text\": ..., \"metadata\": {...}} (id made from "
                         "the text when absent; other keys join the metadata). Lines that are malformed, empty, "
                         "over the token limit or repeat an id are skipped and listed with their line numbers, "
                         "or, with on_bad_row=fail, refuse the whole request before anything is written.",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def bulk_upsert(name: CollectionName, service: ServiceDep, index: Index, model: ReadyModel, request: Request,
                      caller: CallerDep,
                      truncate: bool = Query(False, description="cut texts over the token limit instead of skipping"),
                      check_only: bool = Query(False, description="check every line, write nothing"),
                      on_bad_row: Literal["skip", "fail"] = Query("skip", description="skip bad lines or refuse all")):
    await service.check_collection(name)  # 404 before reading the body
    body = await request.body()
    result = await service.import_lines(name, body, truncate=truncate, check_only=check_only,
                                        fail_on_bad=on_bad_row == "fail", caller=caller)
    return BulkResponse(added=result.added, updated=result.updated, checked=result.checked,
                        skipped=[SkippedLine(line=b.line, reason=b.reason) for b in result.skipped])


@router.post("/{name}/items/upload", response_model=BulkResponse,
             responses={202: {"model": JobStatus, "description": "background=true: every row checked, the job "
                                                                 "writing them started (GET /jobs/{id})"},
                        **error_responses(429)},
             summary=f"insert or replace the items of a whole file, all or nothing (up to {MAX_FILE_BYTES >> 20} MiB)",
             description="The body is the file as it is: CSV (RFC 4180, a header naming a `text` column; `id` "
                         "and the other columns optional, the others kept as metadata), TSV, JSONL (one "
                         "{\"id\", \"text\", \"metadata\"} a line) or TXT (a text a line). Read as `simservice "
                         "import` reads a file: the encoding from a BOM, else UTF-8, else GB18030 or detected. "
                         "One bad row (its line in the file named), an unclosed quote or an unreadable file "
                         "refuses the whole file: nothing is written. With background=true the file is read "
                         "and every row checked the same way, then the answer is 202 with a job (GET "
                         "/jobs/{id}: rows_done of rows stored) that writes the rows in file order, 1024 at a "
                         "time; a job that fails or is cancelled midway keeps the rows it stored, and says "
                         "which (rows 1-N, through line L).",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/octet-stream": {"schema": {
                                                "type": "string", "format": "binary"}}}}})
async def upload_file(name: CollectionName, service: ServiceDep, index: Index, model: ReadyModel, request: Request,
                      caller: CallerDep,
                      format: Literal["csv", "tsv", "jsonl", "txt"] = Query(description="the file's format"),
                      filename: str = Query("the file", min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$",
                                            description="the file's name, to start each error message"),
                      truncate: bool = Query(False, description="cut texts over the token limit instead of refusing"),
                      typed_cells: bool = Query(True, description="CSV/TSV metadata cells spelling numbers, true, "
                                                                  "false or null stored as such (quote to keep text)"),
                      background: bool = Query(False, description="check now, write as a job with progress (202)")):
    await service.check_collection(name)  # 404 before reading the body
    if background:
        job = await service.start_upload(name, await request.body(), format, file_name=filename, truncate=truncate,
                                         typed_cells=typed_cells)
        return JSONResponse(job_status(job).model_dump(), status_code=202)
    result = await service.import_file(name, await request.body(), format, file_name=filename, truncate=truncate,
                                       typed_cells=typed_cells, caller=caller)
    return BulkResponse(added=result.added, updated=result.updated, checked=result.checked, skipped=[])


@router.get("/{name}/export", summary="every item as NDJSON lines (id, text, metadata[, vector]), ordered by id",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def export_items(name: CollectionName, service: ServiceDep, index: Index,
                       vectors: bool = Query(False, description="include each item's stored vector")):
    return StreamingResponse(_chunks(await service.export(name, vectors)), media_type="application/x-ndjson")


def _chunks(records: Iterator[dict]) -> Iterator[bytes]:
    """Lines in chunks of about EXPORT_CHUNK bytes, each made when the client has taken the last one
    (uvicorn's send waits while its buffer is full), so a slow reader holds one page and one chunk."""
    chunk, size = [], 0
    for record in records:
        chunk.append(json.dumps(record, ensure_ascii=False) + "\n")
        size += len(chunk[-1])
        if size >= EXPORT_CHUNK:
            yield "".join(chunk).encode()
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk).encode()


@router.post("/{name}/replace", status_code=204,
             summary="move another collection over this one in one step (reindex: build beside, then swap)",
             responses=error_responses(409))
async def replace_collection(name: CollectionName, body: ReplaceRequest, service: ServiceDep, index: Index):
    await service.replace_collection(name, body.source)
