"""Request and response bodies of the /collections routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from simservice.index import CollectionInfo, Item
from simservice.index import validation as index_checks
from simservice.index.validation import MAX_ID_LENGTH, MAX_METADATA_BYTES, MAX_METADATA_DEPTH
from simservice.serving.api.schemas import (example, exactly_one, index_check, TRUNCATE, CollectionName, Metadata, Strict,
                                            Text)


ID_SCHEMA = {"minLength": 1, "maxLength": MAX_ID_LENGTH}


class IndexParams(Strict):
    """The numbers of an index; each belongs to one kind, unset ones take their defaults."""

    model_config = example(m=32, ef=64)
    m: int | None = Field(None, description="hnsw: links per node, 4-64 (default 32)")
    ef: int | None = Field(None, description="hnsw: candidates per search, 1-4096 (default 64)")
    nlist: int | None = Field(None, description="ivf: k-means lists, 1-65536 (default 1024)")
    nprobe: int | None = Field(None, description="ivf: lists searched, 1-nlist (default 16)")


class CreateCollectionRequest(Strict):
    model_config = example(name="faq", index="exact")
    name: CollectionName = Field(description="1-64 letters, digits, '_' or '-', starting with a letter or digit")
    index: Literal["exact", "hnsw", "ivf"] = Field(
        "exact", description="exact (brute force, the true top-k), hnsw (graph) or ivf (k-means lists)")
    index_params: IndexParams = Field(default_factory=IndexParams, description="the index's numbers")
    metric: Literal["cosine", "ip"] = Field("cosine", description="cosine (vectors normalised, the model's "
                                            "similarity) or ip (inner product of vectors as given, for /similar "
                                            "with `vector`)")


class CollectionResponse(BaseModel):
    model_config = example(name="faq", dim=384, metric="cosine", index="exact", index_params={}, backend="faiss",
                           backend_index="Flat", active_index="Flat", count=1200, disk_bytes=1843200)
    name: str = Field(description="collection name")
    dim: int = Field(description="vector dimension")
    metric: str = Field(description="similarity metric")
    index: str = Field(description="index kind: exact, hnsw, ivf (custom: a backend index with no neutral name)")
    index_params: dict[str, int] = Field(description="the index's numbers (m, ef, nlist, nprobe)")
    backend: str = Field(description="where the collection lives: faiss or milvus")
    backend_index: str = Field(description="the index in the backend's own terms (e.g. FAISS HNSW32)")
    active_index: str = Field(description="index answering searches now, in the backend's terms")
    count: int = Field(description="items stored")
    disk_bytes: int = Field(description="size on disk")
    note: str = Field("", description="anything worth knowing about the index state")


def collection_response(info: CollectionInfo) -> CollectionResponse:
    spec = info.spec
    return CollectionResponse(name=info.name, dim=info.dim, metric=info.metric,
                              index=spec.kind if spec else "custom", index_params=spec.params() if spec else {},
                              backend=info.backend, backend_index=info.index, active_index=info.active_index,
                              count=info.count, disk_bytes=info.disk_bytes, note=info.note)


class CollectionList(BaseModel):
    model_config = example(collections=["default", "faq"])
    collections: list[str] = Field(description="names of all collections, sorted")


class ItemIn(Strict):
    model_config = example(id="faq-17", text="花呗怎么开通", metadata={"source": "faq"})
    id: str = Field(description=f"the caller's id, 1-{MAX_ID_LENGTH} characters, no control characters; an "
                                "existing item with this id is replaced", json_schema_extra=ID_SCHEMA)
    text: Text = Field(description="text to encode and store")
    metadata: Metadata = Field(default_factory=dict, description="JSON object stored with the item, at most "
                               f"{MAX_METADATA_BYTES // 1024} KiB and {MAX_METADATA_DEPTH} levels deep")


class UpsertRequest(Strict):
    model_config = example(items=[{"id": "faq-17", "text": "花呗怎么开通", "metadata": {"source": "faq"}}])
    items: list[ItemIn] = Field(min_length=1, description="items to insert or replace")
    truncate: bool = TRUNCATE


class UpsertResponse(BaseModel):
    model_config = example(upserted=1)
    upserted: int = Field(description="items written (durable when this response is sent)")


class DeleteItemsRequest(Strict):
    """`ids` or `filter`, exactly one of them."""

    model_config = example(ids=["faq-17"])
    ids: list[Annotated[str, Field(json_schema_extra=ID_SCHEMA)]] | None = Field(
        None, min_length=1, description="ids to delete; unknown ids are ignored")
    filter: Annotated[dict[str, Any], index_check(index_checks.parse_delete_filter)] | None = Field(
        None, description='delete every item whose metadata passes this filter, e.g. {"source": "old"}; not {} '
                          "(drop the collection to delete everything)")

    @model_validator(mode="after")
    def _exactly_one(self):
        return exactly_one(self, "ids", "filter")


class DeleteItemsResponse(BaseModel):
    model_config = example(deleted=1)
    deleted: int = Field(description="items that existed and were deleted")


class ItemOut(BaseModel):
    model_config = example(id="faq-17", text="花呗怎么开通", metadata={"source": "faq"})
    id: str = Field(description="the item's id")
    text: str = Field(description="the item's text")
    metadata: dict[str, Any] | None = Field(None, description="the item's metadata (unless `with_metadata` is "
                                                              "false)")
    vector: list[float] | None = Field(None, description="the stored vector (only with `with_vectors`)")


def item_out(item: Item, with_vectors: bool = False, with_metadata: bool = True) -> ItemOut:
    """An item as answered: its vector only when asked for, its metadata unless asked not to."""
    vector = [float(x) for x in item.vector] if with_vectors else None
    return ItemOut(id=item.id, text=item.text, metadata=item.metadata if with_metadata else None, vector=vector)


class ItemPage(BaseModel):
    model_config = example(items=[{"id": "faq-17", "text": "花呗怎么开通", "metadata": {"source": "faq"}}], offset=0,
                           limit=100, count=1)
    items: list[ItemOut] = Field(description="items ordered by id")
    offset: int = Field(description="items skipped")
    limit: int = Field(description="most items asked for")
    count: int = Field(description="items in the collection")
