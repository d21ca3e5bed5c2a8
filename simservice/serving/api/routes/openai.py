"""OpenAI-compatible routes under /v1 (embeddings, models; /v1/rerank in Cohere's shape beside
them), so the `openai` SDK, LangChain, LlamaIndex, Dify or RAGFlow can use the service as they use
OpenAI or TEI.

They live in a sub-application mounted at /v1 with its own error handlers, because OpenAI
clients expect OpenAI's error body (`{"error": {"message", "type", "param", "code"}}`).
The vectors are /encode's: the same door, the same batching queue.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from simservice.service.core import Service
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.texts import field_names
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import CallerDep, ReadyModel, ServiceDep, SettingsDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.error_handlers import describe_validation, install_error_handlers
from simservice.serving.api.field_hints import body_model
from simservice.serving.api.openai_schemas import (Embedding, EmbeddingsRequest, EmbeddingsResponse, ModelCard,
                                                   ModelList, OpenAIError, Usage, openai_error)
from simservice.serving.api.openapi import without_fastapi_422
from simservice.serving.api.routes.rerank import router as rerank_router
from simservice.serving.api.status_codes import ApiError, headers_of, kind_of_status, status_of
from simservice.serving.settings import Settings

router = APIRouter(route_class=GuardedRoute, dependencies=[Depends(require_api_key)], tags=["openai"])
ERRORS = {status: {"model": OpenAIError} for status in (400, 401, 404, 413, 429, 503)}


@router.post("/embeddings", response_model=EmbeddingsResponse, responses=ERRORS,
             summary="sentence vectors, as OpenAI's embeddings API")
async def embeddings(body: EmbeddingsRequest, service: ServiceDep, settings: SettingsDep, model: ReadyModel,
                     caller: CallerDep):
    texts = [body.input] if isinstance(body.input, str) else list(body.input)
    if not texts:
        raise ServiceError(ErrorKind.INVALID, "input is an empty list: send a text or a list of texts")
    if any(not isinstance(t, str) for t in texts):
        raise ServiceError(ErrorKind.INVALID, "input holds token ids: this server tokenizes itself, send text")
    if body.dimensions is not None and body.dimensions != model.dim:
        raise ServiceError(ErrorKind.INVALID, f"dimensions={body.dimensions}: this model's vectors have "
                           f"{model.dim} dimensions and were not trained to be cut shorter; leave it out")
    names = ["input"] if isinstance(body.input, str) else field_names("input", len(texts))
    for text, name in zip(texts, names):
        if not text.strip():
            raise ServiceError(ErrorKind.INVALID, f"{name} is empty or only whitespace: send some text")
    embedded = await service.embed(texts, prompt_name=body.prompt_name, names=names, what="inputs", caller=caller)
    vectors = embedded.vectors.astype("<f4")
    if body.encoding_format == "base64":
        data = [Embedding(index=i, embedding=base64.b64encode(v.tobytes()).decode()) for i, v in enumerate(vectors)]
    else:
        data = [Embedding(index=i, embedding=v.tolist()) for i, v in enumerate(vectors)]
    return EmbeddingsResponse(data=data, model=settings.served_name(),
                              usage=Usage(prompt_tokens=embedded.tokens, total_tokens=embedded.tokens))


def model_card(service: Service, settings: Settings) -> ModelCard:
    """The served model's card: its name, and what it can do once it is loaded."""
    model = service.model
    if model is None:
        return ModelCard(id=settings.served_name())
    config = model.config
    capabilities = ["embeddings", *(["paraphrase"] if model.can_generate else [])]
    return ModelCard(id=settings.served_name(), capabilities=capabilities,
                     family=config.family, pooling=config.pooling, dim=model.dim,
                     prompts=dict(model.tokenizer.prompts.by_name))


@router.get("/models", response_model=ModelList, responses=ERRORS, summary="the one model served",
            response_model_exclude_none=True)
async def models(service: ServiceDep, settings: SettingsDep):
    return ModelList(data=[model_card(service, settings)])


@router.get("/models/{model_id:path}", response_model=ModelCard, responses=ERRORS, response_model_exclude_none=True,
            summary="the served model, by its name (404 for any other)")
async def retrieve_model(model_id: str, service: ServiceDep, settings: SettingsDep):
    if model_id != settings.served_name():
        raise ServiceError(ErrorKind.NOT_FOUND, f"model {model_id!r} is not served here; this server serves "
                           f"{settings.served_name()!r}")
    return model_card(service, settings)


def create_openai_app(service: Service, settings: Settings) -> FastAPI:
    """The /v1 sub-application: shares the service and its settings, answers errors in OpenAI's shape
    (validation errors are 400, as OpenAI answers them)."""
    app = FastAPI(title="simservice OpenAI-compatible API", docs_url=None, redoc_url=None,
                  openapi_url=None if settings.api_key and settings.protect_docs else "/openapi.json")
    app.state.service = service
    app.state.settings = settings
    app.openapi = without_fastapi_422(app.openapi)  # validation errors answer 400 here, in OpenAI's shape
    install_error_handlers(app)  # then OpenAI's body over each of them

    async def service_error(_: Request, exc: ServiceError):
        return openai_error(status_of(exc, openai=True), exc.kind, exc.message, headers=headers_of(exc))

    async def validation_error(request: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        param = next((str(p) for e in errors for p in e.get("loc", ()) if p != "body"), None)
        error = ServiceError(ErrorKind.INVALID, describe_validation(errors, body_model(request)))
        return openai_error(status_of(error, openai=True), error.kind, error.message, param)

    async def http_error(_: Request, exc: HTTPException):  # the framework's own status, but 422 is 400 here
        error = ApiError(kind_of_status(exc.status_code), str(exc.detail), dict(exc.headers or {}))
        status = status_of(error, openai=True) if exc.status_code == 422 else exc.status_code
        return openai_error(status, error.kind, error.message, headers=error.headers)

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.include_router(router)
    app.include_router(rerank_router)
    return app
