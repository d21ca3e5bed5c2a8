"""The door of the JSON routes: the API key first, then admission (429) for model routes, then
the body parsed off the event loop and checked once (UTF-8, nesting depth, lone surrogates),
so no request can make the event loop or the worker choke on its body before it is let in."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from simservice.index.validation import is_utf8
from simservice.serving.api.auth import check_api_key, require_api_key
from simservice.serving.api.deps import get_ready_model

MAX_BODY_DEPTH = 64  # arrays and objects nested in a request body


def check_json(value: Any, max_depth: int = MAX_BODY_DEPTH, where: str = "") -> None:
    """Refuse (422, naming the field) values nested past `max_depth` and strings or keys holding
    lone surrogates (`"\\ud800"`), which no UTF-8 text, tokenizer or database can hold."""
    stack = [(value, where, 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, (dict, list)):
            if depth >= max_depth:
                raise HTTPException(422, f"{_short(path)}: nested deeper than {max_depth} levels: flatten it")
            if isinstance(value, dict):
                for key, child in value.items():
                    _check_text(key, f"a key of {path}")
                    stack.append((child, f"{path}.{key}" if path else key, depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))


def _short(path: str) -> str:
    return path if len(path) <= 80 else f"{path[:60]}...{path[-17:]}"


def _check_text(text: str, path: str) -> None:
    if not text.isascii() and not is_utf8(text):
        raise HTTPException(422, f"{_short(path)} holds a lone surrogate (like \\ud800): send whole characters "
                                 "(a pair such as \\ud83d\\ude00 is fine)")


def parse_body(raw: bytes) -> Any:
    """The JSON of a request body, checked; JSONDecodeError is left for FastAPI's 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"body is not UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}): "
                                 "send JSON encoded as UTF-8") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise HTTPException(422, f"the body is nested deeper than {MAX_BODY_DEPTH} levels: flatten it") from None
    check_json(value)
    return value


class CheckedRequest(Request):
    """A request whose JSON is parsed and checked on a worker thread, once."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = await run_in_threadpool(parse_body, await self.body())
        return self._json


def uses(dependant: Dependant, call) -> bool:
    """Whether the dependant depends on `call`, directly or through another dependency."""
    return any(dep.call is call or uses(dep, call) for dep in dependant.dependencies)


class DoorRoute(APIRoute):
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
            with request.app.state.service.admission.slot():  # 429 before parsing and tokenizing
                return await handler(request)

        return door
