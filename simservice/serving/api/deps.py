"""FastAPI dependencies as typed aliases: the service core, the settings, the model once it is
ready, the index, and the caller of a request (its disconnect, its batch size for the log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from simservice.index import CollectionManager
from simservice.inference.loaded_model import LoadedModel
from simservice.service.config import Caller
from simservice.service.core import Service
from simservice.serving.settings import Settings


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_ready_model(request: Request) -> LoadedModel:
    return request.app.state.service.require_ready()


def get_generator(request: Request, _: Annotated[LoadedModel, Depends(get_ready_model)]) -> LoadedModel:
    return request.app.state.service.require_generator()


def get_index(request: Request) -> CollectionManager:
    return request.app.state.service.require_index()


async def disconnected(request: Request) -> None:
    """Returns when the client goes away (the body has been read, so only that message is left)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def get_caller(request: Request) -> Caller:
    def note_batch(size: int) -> None:
        request.state.batch_size = size  # for the request log

    return Caller(lambda: disconnected(request), note_batch)


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ReadyModel = Annotated[LoadedModel, Depends(get_ready_model)]  # 503 until loaded and warmed up
GeneratorModel = Annotated[LoadedModel, Depends(get_generator)]  # ReadyModel, 400 if it cannot generate
Index = Annotated[CollectionManager, Depends(get_index)]  # 503 until the backend is open
