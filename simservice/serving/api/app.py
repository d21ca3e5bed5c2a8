"""The app factory: `create_app(settings, pipeline=..., index=...)` builds the FastAPI service.

The lifespan opens the index and starts the batching queue, whose worker thread loads and
warms the model; /health answers at once, /ready once the model is warm.
"""

from __future__ import annotations

import contextlib

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from simservice import __version__
from simservice.index import CollectionManager
from simservice.inference.loaded_model import LoadedModel
from simservice.serving.api.routes import bulk as routes_bulk
from simservice.serving.api.routes import collections as routes_collections
from simservice.serving.api.routes import docs as routes_docs
from simservice.serving.api.routes import inference as routes_inference
from simservice.serving.api.routes import jobs as routes_jobs
from simservice.serving.api.routes import openai as routes_openai
from simservice.serving.api.routes import playground as routes_playground
from simservice.serving.api.routes import snapshots as routes_snapshots
from simservice.serving.api.routes import system as routes_system
from simservice.serving.api.body_limit import BodyLimitMiddleware
from simservice.serving.api.error_handlers import install_error_handlers
from simservice.serving.api.metrics_middleware import MetricsMiddleware
from simservice.serving.api.openapi import document_errors
from simservice.serving.api.request_log import RequestLog
from simservice.serving.settings import Settings
from simservice.serving.state import build_service

DESCRIPTION = ("Chinese sentence similarity and paraphrases on RoFormer-Sim (SimBERTv2) and SimBERT: "
               "sentence vectors, nearest items of an embedded index, and gen_synonyms paraphrases.")


def create_app(settings: Settings | None = None, *, pipeline: LoadedModel | None = None,
               index: CollectionManager | None = None) -> FastAPI:
    """The service app. `pipeline` (a loaded SimPipeline, with the settings' batch limits) and
    `index` (a CollectionManager) may be given, e.g. by tests, instead of being loaded from
    `settings.model` and opened from the settings' index backend."""
    settings = settings or Settings()
    service = build_service(settings, model=pipeline, index=index)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(title="simservice", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)  # routes_docs serves them, without a CDN
    app.state.service = service
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(routes_system.open_router)
    app.include_router(routes_system.router)
    app.include_router(routes_inference.router)  # their routers require the key at their door
    app.include_router(routes_collections.router)
    app.include_router(routes_jobs.router)
    app.include_router(routes_bulk.router)
    app.include_router(routes_snapshots.router)
    app.mount("/v1", routes_openai.create_openai_app(service, settings))
    app.include_router(routes_playground.router)  # the page loads without a key; its API calls need one
    app.include_router(routes_docs.docs_router(protect=settings.protect_docs))
    app.openapi = _documented(app, app.openapi, keyed=settings.api_key is not None)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       path_limits=[(routes_bulk.BULK_PATH.pattern, routes_bulk.MAX_BULK_BYTES),
                                    (routes_bulk.FILE_PATH.pattern, routes_bulk.MAX_FILE_BYTES),
                                    (routes_snapshots.UPLOAD_PATH.pattern, routes_snapshots.MAX_UPLOAD_BYTES)])
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    app.add_middleware(RequestLog)
    if settings.cors_origins:  # outermost, so preflights and error answers carry the CORS headers
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["Retry-After"])
    return app


def _documented(app: FastAPI, make_schema, keyed: bool):
    """The schema with every route's error responses; without an API key, no Bearer scheme either."""
    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = document_errors(app, make_schema())
            if not keyed:
                _without_security(schema)
            app.openapi_schema = schema
        return app.openapi_schema
    return openapi


def _without_security(schema: dict) -> None:
    """Without an API key, the schema declares no Bearer scheme and no 401 (the routes take no key)."""
    schema.get("components", {}).pop("securitySchemes", None)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.pop("security", None)
            operation.get("responses", {}).pop("401", None)
