"""Collection routes: create, list, describe, drop; upsert (encoded here), delete, get and page items."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from simservice.index import CollectionInfo, IndexSpec, Item
from simservice.index.validation import MAX_PAGE
from simservice.serving.api.collection_schemas import (CollectionList, CollectionResponse, CreateCollectionRequest,
                                                   DeleteItemsRequest, DeleteItemsResponse, ItemOut, ItemPage,
                                                   UpsertRequest, UpsertResponse)
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import Index, ReadyModel, State
from simservice.serving.api.routes.inference import encode_texts
from simservice.serving.api.door import DoorRoute
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.texts import check_count

router = APIRouter(prefix="/collections", tags=["collections"], route_class=DoorRoute,
                   dependencies=[Depends(require_api_key)])


def collection_response(info: CollectionInfo) -> CollectionResponse:
    spec = info.spec
    return CollectionResponse(name=info.name, dim=info.dim, metric=info.metric,
                              index=spec.kind if spec else "custom", index_params=spec.params() if spec else {},
                              backend=info.backend, backend_index=info.index, active_index=info.active_index, count=info.count, disk_bytes=info.disk_bytes,
                              note=info.note)


def item_out(item: Item, with_vectors: bool = False, with_metadata: bool = True) -> ItemOut:
    """An item as answered: its vector only when asked for, its metadata unless asked not to."""
    vector = [float(x) for x in item.vector] if with_vectors else None
    return ItemOut(id=item.id, text=item.text, metadata=item.metadata if with_metadata else None, vector=vector)


WITH_VECTORS = Query(False, description="include each item's stored vector")
WITH_METADATA = Query(True, description="include each item's metadata")


@router.post("", response_model=CollectionResponse, status_code=201, summary="create a collection",
             responses=error_responses(409))
async def create_collection(body: CreateCollectionRequest, index: Index, model: ReadyModel):
    spec = IndexSpec(body.index, **body.index_params.model_dump())
    store = await run_in_threadpool(index.create, body.name, model.dim, body.metric, spec)
    return collection_response(await run_in_threadpool(store.info))


@router.get("", response_model=CollectionList, summary="names of all collections")
async def list_collections(index: Index):
    return CollectionList(collections=await run_in_threadpool(index.list))


@router.get("/{name}", response_model=CollectionResponse, summary="describe a collection")
async def describe_collection(name: str, index: Index):
    return collection_response(await run_in_threadpool(index.describe, name))


@router.delete("/{name}", status_code=204, summary="drop a collection and its files")
async def drop_collection(name: str, index: Index):
    await run_in_threadpool(index.drop, name)


@router.post("/{name}/items", response_model=UpsertResponse, summary="insert or replace items (durable on return)")
async def upsert_items(name: str, body: UpsertRequest, state: State, index: Index, model: ReadyModel,
                       request: Request):
    store = await run_in_threadpool(index.get, name)  # 404 before any model work
    check_count(len(body.items), state.settings.max_client_batch_size, "items")
    names = [f"items[{i}].text" for i in range(len(body.items))]
    vectors = await encode_texts(state, model, request, [item.text for item in body.items], body.truncate,
                                 names=names, prompt=model.tokenizer.prompts.document())
    items = [Item(item.id, vector, item.text, item.metadata) for item, vector in zip(body.items, vectors)]
    await run_in_threadpool(store.upsert, items)
    return UpsertResponse(upserted=len(items))


@router.post("/{name}/items/delete", response_model=DeleteItemsResponse,
             summary="delete items by id or by filter (durable on return)")
async def delete_items(name: str, body: DeleteItemsRequest, state: State, index: Index):
    store = await run_in_threadpool(index.get, name)
    if body.filter is not None:
        return DeleteItemsResponse(deleted=await run_in_threadpool(store.delete_where, body.filter))
    check_count(len(body.ids), state.settings.max_client_batch_size * 16, "ids")
    return DeleteItemsResponse(deleted=await run_in_threadpool(store.delete, body.ids))


@router.get("/{name}/items/{item_id:path}", response_model=ItemOut, response_model_exclude_none=True,
            summary="one item by id (percent-encoded; an id may hold '/')")
async def get_item(name: str, item_id: str, index: Index, with_vectors: bool = WITH_VECTORS,
                   with_metadata: bool = WITH_METADATA,
                   with_vector: bool = Query(False, include_in_schema=False)):  # the older spelling
    store = await run_in_threadpool(index.get, name)
    return item_out(await run_in_threadpool(store.get, item_id), with_vectors or with_vector, with_metadata)


@router.get("/{name}/items", response_model=ItemPage, response_model_exclude_none=True,
            summary="page through items ordered by id")
async def page_items(name: str, index: Index,
                     offset: int = Query(0, ge=0, description="items to skip"),
                     limit: int = Query(100, ge=1, le=MAX_PAGE, description="most items to return"),
                     with_vectors: bool = WITH_VECTORS, with_metadata: bool = WITH_METADATA):
    store = await run_in_threadpool(index.get, name)
    items = await run_in_threadpool(store.page, offset, limit)
    count = await run_in_threadpool(store.count)
    return ItemPage(items=[item_out(i, with_vectors, with_metadata) for i in items], offset=offset, limit=limit,
                    count=count)
