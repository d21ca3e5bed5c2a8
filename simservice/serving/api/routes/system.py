"""Operational routes: /health (alive), /ready (warmed up), /info (model and limits), /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from simservice import __version__
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import ReadyModel, ServiceDep, SettingsDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.schemas import example

open_router = APIRouter(tags=["operations"])
router = APIRouter(tags=["operations"], route_class=GuardedRoute, dependencies=[Depends(require_api_key)])


class Status(BaseModel):
    model_config = example(status="ok")
    status: str = Field(description="ok, or why not")


class Info(BaseModel):
    model_config = example(version="0.1.0", model="models/demo", architecture="roformer", family="roformer-sim",
                           pooling="linear", can_paraphrase=True, prompts={}, default_prompt_name=None, layers=6,
                           dim=384, precision="float32",
                           max_input_tokens=64, max_client_batch_size=64, max_batch_size=32, max_batch_tokens=2048,
                           max_batch_samples=256, max_concurrent_requests=128, max_paraphrase_n=128,
                           request_timeout=30.0, index_backend="faiss", index_capabilities=["snapshots"])
    version: str = Field(description="simservice version")
    model: str = Field(description="model directory")
    architecture: str = Field(description="roformer or bert")
    family: str = Field(description="model family: roformer-sim (RoFormer-Sim, SimBERT) bert-embedding "
                                    "(e5, bge, text2vec) or bert-unilm (an embedding model with a generator)")
    pooling: str = Field(description="sentence vector: linear ([CLS] through the pooler), cls or mean")
    can_paraphrase: bool = Field(description="whether the model has a generator (/paraphrase, augment)")
    prompts: dict[str, str] = Field(description="the model's prompts by name (`prompt_name` of /encode)")
    default_prompt_name: str | None = Field(description="the prompt used when a request names none")
    layers: int = Field(description="transformer layers of the model")
    dim: int = Field(description="vector dimension")
    precision: str = Field(description="compute precision the model runs in (with precision auto: the one chosen)")
    decoder_precision: str | None = Field(None, description="the paraphrase decoder's precision where it differs "
                                                            "(precision auto decodes in float32); null: the same")
    default_sampling: dict[str, Any] | None = Field(None, description="the sampling knobs of a paraphrase request "
                                                    "that names no sampler, top_k or top_p (the model's "
                                                    "generation_config.json, else top_p 0.95); null: no generator")
    max_input_tokens: int = Field(description="longest text in tokens, [CLS] and [SEP] included")
    max_client_batch_size: int = Field(description="texts or items in one request")
    max_batch_size: int = Field(description="texts or paraphrase jobs in one model batch")
    max_batch_tokens: int = Field(description="token budget of one encoder batch, padding counted")
    max_batch_samples: int = Field(description="paraphrase samples decoded in one batch")
    max_concurrent_requests: int = Field(description="model requests in flight before 429")
    max_paraphrase_n: int = Field(description="most samples per paraphrase request")
    request_timeout: float = Field(description="seconds a request may wait before 503")
    index_backend: str = Field(description="where collections live: faiss, numpy, milvus or pgvector")
    index_capabilities: list[str] = Field(description="what the index backend can do beyond items and search: "
                                                      "\"snapshots\" (snapshots, restores and swaps)")


@open_router.get("/health", response_model=Status, summary="the process is alive")
async def health():
    return Status(status="ok")


@open_router.get("/ready", response_model=Status, summary="model loaded and warmed, index open (503 until then)",
                 responses={503: {"model": Status}})
async def ready(service: ServiceDep):
    reason = await service.not_ready()
    if reason is None:
        return Status(status="ok")
    return JSONResponse(Status(status=reason).model_dump(), status_code=503, headers={"Retry-After": "5"})


@router.get("/info", response_model=Info, summary="model, dimension, limits and version")
async def info(service: ServiceDep, settings: SettingsDep, model: ReadyModel):
    s = settings
    prompts = model.tokenizer.prompts
    backend, capabilities = service.index_capabilities()
    return Info(version=__version__, model=s.model, architecture=model.config.architecture,
                family=model.config.family, pooling=model.config.pooling, can_paraphrase=model.can_generate,
                prompts=dict(prompts.by_name), default_prompt_name=prompts.default_name,
                layers=model.config.num_layers, dim=model.dim, precision=model.precision,
                decoder_precision=model.decoder_precision,
                default_sampling=model.default_sampling if model.can_generate else None,
                max_input_tokens=service.max_input_tokens, max_client_batch_size=s.max_client_batch_size,
                max_batch_size=s.max_batch_size, max_batch_tokens=s.max_batch_tokens,
                max_batch_samples=s.max_batch_samples, max_concurrent_requests=s.max_concurrent_requests,
                max_paraphrase_n=s.max_paraphrase_n,
                request_timeout=s.request_timeout, index_backend=backend, index_capabilities=capabilities)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(service: ServiceDep):
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)
