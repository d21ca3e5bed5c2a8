"""ASGI middleware counting requests and timing them by route template, method and status.

Every label comes from a fixed set, so no client can grow /metrics: a path no route matches is
"unmatched", an unknown method "other", a status HTTP does not define its class ("5xx")."""

from __future__ import annotations

import time
from http import HTTPStatus

from simservice.service.engine.metrics import Metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUSES = frozenset(status.value for status in HTTPStatus)


def labels_of(scope, status: int) -> tuple[str, str, str]:
    """(route template, method, status) from fixed sets. A route of a mounted sub-application
    (/v1) is named with its mount path, which the router adds to root_path past app_root_path."""
    route = getattr(scope.get("route"), "path", None)
    if route is not None and "app_root_path" in scope:
        route = scope.get("root_path", "").removeprefix(scope["app_root_path"]) + route
    method = scope["method"] if scope["method"] in METHODS else "other"
    return route or "unmatched", method, str(status) if status in STATUSES else f"{status // 100}xx"


class MetricsMiddleware:
    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = [500]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            labels = labels_of(scope, status[0])
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - start)
