"""Bodies of the bulk, export, swap and snapshot routes (/collections/{name}/items/bulk, /snapshots, ...)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from simservice.serving.api.schemas import example, CollectionName, Strict


class SkippedLine(BaseModel):
    model_config = example(line=7, reason="text is empty")
    line: int = Field(description="line of the NDJSON body, from 1")
    reason: str = Field(description="why the line was not imported")


class BulkResponse(BaseModel):
    model_config = example(added=998, updated=2, checked=1000, skipped=[])
    added: int = Field(description="items that were new")
    updated: int = Field(description="items that replaced one with the same id")
    checked: int = Field(description="lines that were (or, with check_only, would be) imported")
    skipped: list[SkippedLine] = Field(description="lines not imported, with the reason")


class ReplaceRequest(Strict):
    model_config = example(source="faq_v2")
    source: CollectionName = Field(description="the collection moved over this one (it disappears under its name)")


class SnapshotOut(BaseModel):
    model_config = example(name="faq-20260101T000000.snapshot", collection="faq", size=1843200,
                           created="2026-01-01T00:00:00Z", manifest={"backend": "faiss", "count": 1200})
    name: str = Field(description="snapshot file name: download, restore or delete it by this name")
    collection: str = Field(description="collection it belongs to")
    size: int = Field(description="bytes")
    created: str = Field(description="when it was made (UTC, ISO 8601)")
    manifest: dict[str, Any] = Field(description="backend, config (dim, metric, index), count, labels (model), sha256")


class SnapshotList(BaseModel):
    model_config = example(snapshots=[])
    snapshots: list[SnapshotOut] = Field(description="oldest first")
