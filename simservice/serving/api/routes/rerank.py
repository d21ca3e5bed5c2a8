"""/v1/rerank: documents ordered by relevance to a query, scored by the encoder (the cosine a
search would give them), in the shape Cohere's and Jina's rerank APIs use. Part of the /v1
sub-application, so its errors come in the same body as the other /v1 routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from simservice.service.texts import field_names
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import CallerDep, ReadyModel, ServiceDep, SettingsDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.openai_schemas import OpenAIError
from simservice.serving.api.rerank_schemas import DocumentText, RerankRequest, RerankResponse, RerankResult, RerankUsage

router = APIRouter(route_class=GuardedRoute, dependencies=[Depends(require_api_key)], tags=["openai"])
ERRORS = {status: {"model": OpenAIError} for status in (400, 401, 413, 429, 503)}


@router.post("/rerank", response_model=RerankResponse, responses=ERRORS, response_model_exclude_none=True,
             summary="documents ordered by relevance to a query (Cohere's and Jina's rerank shape)")
async def rerank(body: RerankRequest, service: ServiceDep, settings: SettingsDep, model: ReadyModel,
                 caller: CallerDep):
    texts = body.texts()
    names = ["query", *(f"{name}.text" if isinstance(d, DocumentText) else name
                        for name, d in zip(field_names("documents", len(texts)), body.documents))]
    scores, tokens = await service.rerank(body.query, texts, truncate=body.truncate, names=names, caller=caller)
    order = sorted(range(len(texts)), key=lambda i: -scores[i])[:body.top_n]
    results = [RerankResult(index=i, relevance_score=scores[i],
                            document=DocumentText(text=texts[i]) if body.return_documents else None) for i in order]
    return RerankResponse(id=str(uuid.uuid4()), model=settings.served_name(), results=results,
                          usage=RerankUsage(total_tokens=tokens))
