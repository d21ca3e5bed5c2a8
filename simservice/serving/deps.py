"""FastAPI dependencies as typed aliases: the service state, and the model once it is ready."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from simservice.serving.state import ServiceState


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_ready_model(request: Request) -> Any:
    return request.app.state.service.require_ready()


State = Annotated[ServiceState, Depends(get_state)]
ReadyModel = Annotated[Any, Depends(get_ready_model)]  # a SimPipeline; 503 until warmed up
