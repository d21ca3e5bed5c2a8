"""ASGI middleware refusing request bodies over a byte limit with 413, declared or streamed."""

from __future__ import annotations

import re
from typing import Sequence

from starlette.exceptions import HTTPException

from simservice.serving.api.error_handlers import door_error_response
from simservice.serving.engine.errors import ErrorKind, ServiceError


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int, path_limits: Sequence[tuple[str, int]] = ()):
        """`path_limits`: (path regex, bytes) pairs for routes taking larger bodies (bulk import, uploads)."""
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = [(re.compile(pattern), limit) for pattern, limit in path_limits]

    def _limit(self, path: str) -> int:
        return next((limit for pattern, limit in self.path_limits if pattern.fullmatch(path)), self.max_bytes)

    def _message(self, size: str, limit: int) -> str:
        return f"request body of {size} bytes is over the limit of {limit}: send fewer or shorter items"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope.get("path", ""))
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            error = ServiceError(ErrorKind.TOO_LARGE, self._message(declared.decode(), limit))
            response = door_error_response(scope, error)
            return await response(scope, receive, send)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route, so the app's handler answers it in the common format.
                    raise HTTPException(413, self._message(f"more than {limit}", limit))
            return message

        await self.app(scope, counting_receive, send)
