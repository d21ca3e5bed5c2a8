"""ASGI middleware refusing request bodies over a byte limit with 413, declared or streamed."""

from __future__ import annotations

from starlette.exceptions import HTTPException

from simservice.serving.api.error_handlers import error_response
from simservice.serving.engine.errors import ErrorKind, ServiceError


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _message(self, size: str) -> str:
        return f"request body of {size} bytes is over the limit of {self.max_bytes}: send fewer or shorter items"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(ServiceError(ErrorKind.TOO_LARGE, self._message(declared.decode())))
            return await response(scope, receive, send)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route, so the app's handler answers it in the common format.
                    raise HTTPException(413, self._message(f"more than {self.max_bytes}"))
            return message

        await self.app(scope, counting_receive, send)
