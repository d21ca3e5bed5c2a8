"""ASGI middleware refusing request bodies over a byte limit with 413, declared or streamed, when the
route reads the body: after its API key check, so a missing or wrong key is 401 whatever the size."""

from __future__ import annotations

import re
from typing import Sequence

from starlette.exceptions import HTTPException


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
        too_large = declared is not None and declared.isdigit() and int(declared) > limit
        seen = 0

        async def counting_receive():
            # Raised when the route reads the body (after the API key: a wrong key is 401 first),
            # before a byte of a body declared too large is read; the app's handler answers it.
            nonlocal seen
            if too_large:
                raise HTTPException(413, self._message(declared.decode(), limit))
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, self._message(f"more than {limit}", limit))
            return message

        await self.app(scope, counting_receive, send)
