"""Snapshot routes (/collections/{name}/snapshots, as Qdrant names them): create, list, download,
upload, delete and restore. The snapshot carries this server's model name, and a restore onto a
server with another model or dimension is refused."""

from __future__ import annotations

import dataclasses
import re
import tempfile

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from simservice.serving.api.auth import require_api_key
from simservice.serving.api.collection_schemas import CollectionResponse, collection_response
from simservice.serving.api.corpus_schemas import SnapshotList, SnapshotOut
from simservice.serving.api.deps import Index, ReadyModel, ServiceDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.schemas import CollectionName

MAX_UPLOAD_BYTES = 16 << 30  # a snapshot file sent to /snapshots/upload
UPLOAD_PATH = re.compile(r"/collections/[^/]+/snapshots/upload")

router = APIRouter(prefix="/collections/{name}/snapshots", tags=["snapshots"], route_class=GuardedRoute,
                   dependencies=[Depends(require_api_key)])


def _out(snapshot) -> SnapshotOut:
    return SnapshotOut(**dataclasses.asdict(snapshot))


@router.post("", response_model=SnapshotOut, status_code=201,
             summary="snapshot the collection (consistent while writes continue; carries the model and dimension)")
async def create_snapshot(name: CollectionName, service: ServiceDep, index: Index):
    return _out(await service.create_snapshot(name))


@router.get("", response_model=SnapshotList, summary="the collection's snapshots, oldest first")
async def list_snapshots(name: CollectionName, service: ServiceDep, index: Index):
    return SnapshotList(snapshots=[_out(s) for s in await service.list_snapshots(name)])


@router.post("/upload", response_model=SnapshotOut, status_code=201,
             summary=f"store a snapshot file sent as the body (up to {MAX_UPLOAD_BYTES >> 30} GiB), to restore it",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def upload_snapshot(name: CollectionName, service: ServiceDep, index: Index, request: Request):
    with tempfile.TemporaryFile() as spool:
        async for chunk in request.stream():
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        return _out(await service.add_snapshot(name, spool))


@router.get("/{snapshot}", response_class=FileResponse, summary="download a snapshot file",
            responses={200: {"content": {"application/x-tar": {"schema": {"type": "string", "format": "binary"}}}}})
async def download_snapshot(name: CollectionName, snapshot: str, service: ServiceDep, index: Index):
    path = await service.snapshot_file(name, snapshot)
    return FileResponse(path, media_type="application/x-tar", filename=snapshot)


@router.delete("/{snapshot}", status_code=204, summary="delete a snapshot file")
async def delete_snapshot(name: CollectionName, snapshot: str, service: ServiceDep, index: Index):
    await service.delete_snapshot(name, snapshot)


@router.post("/{snapshot}/restore", response_model=CollectionResponse,
             summary="make the collection the snapshot's state (its index rebuilt); refused for another model "
                     "or dimension", responses=error_responses(409))
async def restore_snapshot(name: CollectionName, snapshot: str, service: ServiceDep, index: Index, model: ReadyModel,
                           replace: bool = Query(False, description="overwrite the collection if it exists"),
                           allow_other_model: bool = Query(
                               False, description="accept a snapshot of another model of the same dimension "
                                                  "(then reindex: its vectors do not match this model's queries)"),
                           source: CollectionName | None = Query(
                               None, description="the collection the snapshot belongs to, to restore another "
                                                 "collection's snapshot into this one (a new name: a copy)")):
    return collection_response(await service.restore_snapshot(name, snapshot, replace=replace,
                                                              allow_other_model=allow_other_model, source=source))
