"""The OpenAPI document as the server answers: every error a route can give, with the one error body.

Each route's error statuses follow from what it depends on (the API key, a JSON body, the model,
the index, a path parameter) plus any it declares itself (e.g. 409), so a new route is documented
truthfully without listing its errors by hand; FastAPI's `{"detail": [...]}` 422 is replaced.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import get_index, get_ready_model
from simservice.serving.api.guarded_route import uses


class ErrorBody(BaseModel):
    """Every error of the service (outside /v1) has this body."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "k: Input should be less than or equal to 1024", "error_type": "invalid_request"}]})

    error: str = Field(description="what went wrong and what to change")
    error_type: str = Field(description="the kind of error: malformed_request, invalid_request, unauthorized, "
                                        "not_found, method_not_allowed, conflict, body_too_large, overloaded, "
                                        "not_ready, timeout, index_unavailable, collection_failed, "
                                        "too_many_connections, ...")


WHY = {
    400: "the body is not JSON, or not UTF-8",
    401: "missing or wrong API key (when the server has one): send 'Authorization: Bearer <key>'",
    404: "no such collection, item, job or snapshot",
    409: "conflicts with the current state (see the message)",
    413: "the body is over the server's limit",
    422: "a field is missing, unknown or out of range: the message names it and says what to change",
    429: "too many requests in flight: retry shortly",
    503: "the model is not ready, the request timed out, the index is unavailable (see Retry-After), or "
         "the server has too many open connections",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def error_responses(*statuses: int) -> dict[int, dict]:
    """`responses=` for a route's own error statuses (those not implied by its dependencies)."""
    return {status: {"model": ErrorBody, "description": WHY[status]} for status in statuses}


def error_statuses(route) -> set[int]:
    """The error statuses a route can answer, from what it depends on."""
    statuses = {int(s) for s in route.responses if str(s).isdigit() and int(s) >= 400}
    body = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
    params = route.dependant.path_params or route.dependant.query_params
    if uses(route.dependant, require_api_key):
        statuses.add(401)
    if route.body_field is not None:
        statuses |= {400, 413, 422}
    elif body:
        statuses.add(413)
    if params:
        statuses.add(422)
    if route.dependant.path_params:
        statuses.add(404)
    if uses(route.dependant, get_ready_model):
        statuses.add(503)
        if body:
            statuses.add(429)
    if uses(route.dependant, get_index):
        statuses.add(503)
    return statuses


def without_fastapi_422(make_schema):
    """An `openapi()` for apps that answer validation errors with another status (the /v1 routes: 400)."""
    def openapi() -> dict:
        schema = make_schema()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return schema
    return openapi


def document_errors(app: FastAPI, schema: dict) -> dict:
    """`schema` with each operation's error responses set to ErrorBody and its validation models removed."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ErrorBody.model_json_schema()
    for route in iter_route_contexts(app.routes):  # each route as included: prefix and router dependencies
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(route)):
                declared = route.responses.get(status) or route.responses.get(str(status)) or {}
                responses[str(status)] = {"description": declared.get("description") or WHY.get(status, "error"),
                                          "content": {"application/json": {"schema": ERROR_REF}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
