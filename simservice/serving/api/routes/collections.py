"""Collection routes: create, list, describe, drop; upsert, delete, get and page items."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from simservice.index.validation import MAX_PAGE
from simservice.service.collection_ops import TextItem
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.collection_schemas import (CollectionList, CollectionResponse, CreateCollectionRequest,
                                                       DeleteItemsRequest, DeleteItemsResponse, ItemOut, ItemPage,
                                                       UpsertRequest, UpsertResponse, collection_response, item_out)
from simservice.serving.api.deps import CallerDep, Index, ReadyModel, ServiceDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.openapi import error_responses

router = APIRouter(prefix="/collections", tags=["collections"], route_class=GuardedRoute,
                   dependencies=[Depends(require_api_key)])

WITH_VECTORS = Query(False, description="include each item's stored vector")
WITH_METADATA = Query(True, description="include each item's metadata")


@router.post("", response_model=CollectionResponse, status_code=201, summary="create a collection",
             responses=error_responses(409))
async def create_collection(body: CreateCollectionRequest, service: ServiceDep, index: Index, model: ReadyModel):
    info = await service.create_collection(body.name, kind=body.index, params=body.index_params.model_dump(),
                                           metric=body.metric)
    return collection_response(info)


@router.get("", response_model=CollectionList, summary="names of all collections")
async def list_collections(service: ServiceDep, index: Index):
    return CollectionList(collections=await service.list_collections())


@router.get("/{name}", response_model=CollectionResponse, summary="describe a collection")
async def describe_collection(name: str, service: ServiceDep, index: Index):
    return collection_response(await service.describe_collection(name))


@router.delete("/{name}", status_code=204, summary="drop a collection and its files")
async def drop_collection(name: str, service: ServiceDep, index: Index):
    await service.drop_collection(name)


@router.post("/{name}/items", response_model=UpsertResponse, summary="insert or replace items (durable on return)")
async def upsert_items(name: str, body: UpsertRequest, service: ServiceDep, index: Index, model: ReadyModel,
                       caller: CallerDep):
    items = [TextItem(item.id, item.text, item.metadata) for item in body.items]
    return UpsertResponse(upserted=await service.upsert(name, items, truncate=body.truncate, caller=caller))


@router.post("/{name}/items/delete", response_model=DeleteItemsResponse,
             summary="delete items by id or by filter (durable on return)")
async def delete_items(name: str, body: DeleteItemsRequest, service: ServiceDep, index: Index):
    return DeleteItemsResponse(deleted=await service.delete_items(name, ids=body.ids, filter=body.filter))


@router.get("/{name}/items/{item_id:path}", response_model=ItemOut, response_model_exclude_none=True,
            summary="one item by id (percent-encoded; an id may hold '/')")
async def get_item(name: str, item_id: str, service: ServiceDep, index: Index, with_vectors: bool = WITH_VECTORS,
                   with_metadata: bool = WITH_METADATA,
                   with_vector: bool = Query(False, include_in_schema=False)):  # the older spelling
    return item_out(await service.get_item(name, item_id), with_vectors or with_vector, with_metadata)


@router.get("/{name}/items", response_model=ItemPage, response_model_exclude_none=True,
            summary="page through items ordered by id")
async def page_items(name: str, service: ServiceDep, index: Index,
                     offset: int = Query(0, ge=0, description="items to skip"),
                     limit: int = Query(100, ge=1, le=MAX_PAGE, description="most items to return"),
                     with_vectors: bool = WITH_VECTORS, with_metadata: bool = WITH_METADATA):
    items, count = await service.page_items(name, offset, limit)
    return ItemPage(items=[item_out(i, with_vectors, with_metadata) for i in items], offset=offset, limit=limit,
                    count=count)
