"""The guard of every JSON route: the API key first, then admission (429) for model routes, then
the body parsed off the event loop and checked once (UTF-8, then `json_input`'s rule),
so no request can make the event loop or the worker choke on its body before it is let in."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from simservice import json_input
from simservice.serving.api.auth import check_api_key, require_api_key
from simservice.serving.api.deps import get_ready_model


def parse_body(raw: bytes) -> Any:
    """The JSON of a request body, checked; JSONDecodeError is left for FastAPI's 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"body is not UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}): "
                                 "send JSON encoded as UTF-8") from None
    try:
        return json_input.loads(text, "the body")
    except json_input.BadJson as exc:
        raise HTTPException(422, str(exc)) from None


class CheckedRequest(Request):
    """A request whose JSON is parsed and checked on a worker thread, once."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = await run_in_threadpool(parse_body, await self.body())
        return self._json


def uses(dependant: Dependant, call) -> bool:
    """Whether the dependant depends on `call`, directly or through another dependency."""
    return any(dep.call is call or uses(dep, call) for dep in dependant.dependencies)


class GuardedRoute(APIRoute):
    """Route class of the JSON routes: key, admission, then the checked body (see the module)."""

    def get_route_handler(self):
        handler = super().get_route_handler()
        guarded = uses(self.dependant, require_api_key)
        admitted = uses(self.dependant, get_ready_model) and self.body_field is not None

        async def door(request: Request):
            if guarded:
                check_api_key(request)  # 401 before a byte of the body is read
            request = CheckedRequest(request.scope, request.receive, request._send)
            if not admitted:
                return await handler(request)
            with request.app.state.service.admit():  # 429 before parsing and tokenizing
                return await handler(request)

        return door
