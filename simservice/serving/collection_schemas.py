"""Request and response bodies of the /collections routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from simservice.serving.schemas import TRUNCATE, Strict, Text


class CreateCollectionRequest(Strict):
    name: str = Field(description="1-64 letters, digits, '_' or '-', starting with a letter or digit")
    index: str = Field("Flat", description="FAISS index: Flat (exact), IVF<n>,Flat, IVF<n>,PQ<m>, HNSW<m>")


class CollectionResponse(BaseModel):
    name: str = Field(description="collection name")
    dim: int = Field(description="vector dimension")
    metric: str = Field(description="similarity metric")
    index: str = Field(description="index asked for")
    active_index: str = Field(description="index answering searches now")
    count: int = Field(description="items stored")
    disk_bytes: int = Field(description="size on disk")
    note: str = Field("", description="anything worth knowing about the index state")


class CollectionList(BaseModel):
    collections: list[str] = Field(description="names of all collections, sorted")


class ItemIn(Strict):
    id: str = Field(description="the caller's id; an existing item with this id is replaced")
    text: Text = Field(description="text to encode and store")
    metadata: dict[str, Any] = Field(default_factory=dict, description="JSON object stored with the item")


class UpsertRequest(Strict):
    items: list[ItemIn] = Field(min_length=1, description="items to insert or replace")
    truncate: bool = TRUNCATE


class UpsertResponse(BaseModel):
    upserted: int = Field(description="items written (durable when this response is sent)")


class DeleteItemsRequest(Strict):
    ids: list[str] = Field(min_length=1, description="ids to delete; unknown ids are ignored")


class DeleteItemsResponse(BaseModel):
    deleted: int = Field(description="items that existed and were deleted")


class ItemOut(BaseModel):
    id: str = Field(description="the item's id")
    text: str = Field(description="the item's text")
    metadata: dict[str, Any] = Field(description="the item's metadata")
    vector: list[float] | None = Field(None, description="the stored unit vector, when asked for")


class ItemPage(BaseModel):
    items: list[ItemOut] = Field(description="items ordered by id")
    offset: int = Field(description="items skipped")
    limit: int = Field(description="most items asked for")
    count: int = Field(description="items in the collection")
