"""FastAPI dependencies as typed aliases: the service state, the model once it is ready, the index."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from simservice.index import CollectionManager
from simservice.inference.engine import InferenceEngine
from simservice.service.errors import ErrorKind, ServiceError
from simservice.serving.state import ServiceState

NO_GENERATOR = ("this model only encodes: it has no generator, so it cannot paraphrase; serve a RoFormer-Sim or "
                "SimBERT model for paraphrases (/v1/models lists what the served model can do)")


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_ready_model(request: Request) -> InferenceEngine:
    return request.app.state.service.require_ready()


def get_generator(model: Annotated[InferenceEngine, Depends(get_ready_model)]) -> InferenceEngine:
    if not model.can_generate:
        raise ServiceError(ErrorKind.UNSUPPORTED, NO_GENERATOR)
    return model


def get_index(request: Request) -> CollectionManager:
    return request.app.state.service.require_index()


State = Annotated[ServiceState, Depends(get_state)]
ReadyModel = Annotated[InferenceEngine, Depends(get_ready_model)]  # 503 until loaded and warmed up
GeneratorModel = Annotated[InferenceEngine, Depends(get_generator)]  # ReadyModel, 400 if it cannot generate
Index = Annotated[CollectionManager, Depends(get_index)]  # 503 until the backend is open
