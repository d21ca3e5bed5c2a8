"""One log line per request (id, route, status, latency, batch size), and the request id: taken
from `X-Request-ID` when it is a sane token, generated otherwise, echoed in the response."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from simservice.serving.api.metrics_middleware import labels_of

log = logging.getLogger("simservice.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
FIELDS = ("request_id", "method", "route", "status", "latency_ms", "batch_size")


class RequestLog:
    """ASGI middleware: the request id in and out, and the request's line at INFO."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        start = time.perf_counter()
        status = [500]

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route, method, code = labels_of(scope, status[0])
            batch = scope.get("state", {}).get("batch_size") or None
            log.info("%s %s %s %.1f ms", method, route, code, (time.perf_counter() - start) * 1000, extra={
                "request_id": request_id, "method": method, "route": route, "status": status[0],
                "latency_ms": round((time.perf_counter() - start) * 1000, 2), "batch_size": batch})


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object a line: time, level, logger, message, and request fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        line.update({key: getattr(record, key) for key in FIELDS if getattr(record, key, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str = "text", level: str = "info") -> None:
    """Root logging for `simservice serve`: INFO lines (start-up, requests) shown, as text or JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the root handler, one format
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
