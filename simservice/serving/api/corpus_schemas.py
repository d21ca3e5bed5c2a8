"""Bodies of the bulk, export, swap and snapshot routes (/collections/{name}/items/bulk, /snapshots, ...)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from simservice.serving.api.schemas import CollectionName, Strict


class SkippedLine(BaseModel):
    line: int = Field(description="line of the NDJSON body, from 1")
    reason: str = Field(description="why the line was not imported")


class BulkResponse(BaseModel):
    added: int = Field(description="items that were new")
    updated: int = Field(description="items that replaced one with the same id")
    checked: int = Field(description="lines that were (or, with check_only, would be) imported")
    skipped: list[SkippedLine] = Field(description="lines not imported, with the reason")


class ReplaceRequest(Strict):
    source: CollectionName = Field(description="the collection moved over this one (it disappears under its name)")


class SnapshotOut(BaseModel):
    name: str = Field(description="snapshot file name: download, restore or delete it by this name")
    collection: str = Field(description="collection it belongs to")
    size: int = Field(description="bytes")
    created: str = Field(description="when it was made (UTC, ISO 8601)")
    manifest: dict[str, Any] = Field(description="backend, config (dim, metric, index), count, labels (model), sha256")


class SnapshotList(BaseModel):
    snapshots: list[SnapshotOut] = Field(description="oldest first")
