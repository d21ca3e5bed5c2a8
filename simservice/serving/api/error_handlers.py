"""Exception handlers giving every error the same JSON body: `{"error": message, "error_type": kind}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from simservice.index import errors as index_errors
from simservice.service.errors import ErrorKind, ServiceError, index_error
from simservice.serving.api.field_hints import body_model, model_at, suggest
from simservice.serving.api.openai_schemas import openai_error
from simservice.serving.api.status_codes import ApiError, headers_of, kind_of_status, status_of

log = logging.getLogger(__name__)


def error_response(error: ServiceError) -> JSONResponse:
    return JSONResponse({"error": error.message, "error_type": error.kind.value},
                        status_code=status_of(error), headers=headers_of(error))


def door_error_response(scope, error: ServiceError) -> JSONResponse:
    """An error answered before routing (body limit, connection limit): in OpenAI's body under
    /v1, as the /v1 routes answer theirs, else in the service's."""
    path = scope.get("path", "").removeprefix(scope.get("root_path", ""))
    if path == "/v1" or path.startswith("/v1/"):
        return openai_error(status_of(error), error.kind, error.message, headers=headers_of(error))
    return error_response(error)


def describe_validation(errors: list[dict], model=None) -> str:
    """Pydantic's errors as one line per problem: where, what, and what to change; `model` (the body's)
    lets an unknown field name the known field it probably meant."""
    lines = []
    for err in errors:
        path = [part for part in err.get("loc", ()) if part != "body"]
        loc = ".".join(str(part) for part in path) or "body"
        if err.get("type") == "extra_forbidden":
            lines.append(f"{loc}: unknown field, remove it{suggest(str(path[-1]), model_at(model, path[:-1]))}")
        elif err.get("type") == "missing":
            lines.append(f"{loc}: required field is missing")
        else:
            message = err.get("msg", "invalid value").removeprefix("Value error, ")
            if err.get("type") in ("literal_error", "enum"):
                message += f", not {str(err.get('input'))[:64]!r}"
            elif err.get("type", "").endswith("_type") and "input" in err:
                message += f", not {json_kind(err['input'])} (types are strict)"
            named = message.startswith(loc) and message[len(loc):][:1] in (":", ".", "[")
            lines.append(message if named else f"{loc}: {message}")  # a message may name its own place, deeper
    return "; ".join(lines)


JSON_KINDS = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"), (list, "an array"),
              (dict, "an object"), (type(None), "null"))


def json_kind(value) -> str:
    """What a JSON value is, in JSON's words ("a string", "an array")."""
    return next((name for kind, name in JSON_KINDS if isinstance(value, kind)), type(value).__name__)


async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
    return error_response(exc)


async def _index_error(_: Request, exc: index_errors.IndexStoreError) -> JSONResponse:
    error = index_error(exc)
    if error.kind in (ErrorKind.INTERNAL, ErrorKind.FAILED):
        log.error("index error: %s", exc)
    return error_response(error)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in errors):
        ctx = errors[0].get("ctx", {})
        return error_response(ServiceError(ErrorKind.MALFORMED, f"body is not valid JSON: {ctx.get('error', 'parse error')}"))
    return error_response(ServiceError(ErrorKind.INVALID, describe_validation(errors, body_model(request))))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    headers = dict(exc.headers or {})
    message = str(exc.detail)
    if exc.status_code == 405:  # the router names only the first route of the path; name them all
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method[:16]} is not allowed on {request.url.path[:200]}: use {' or '.join(allowed)}"
    return error_response(ApiError(kind_of_status(exc.status_code), message, headers))


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on the request's path."""
    return [method for method in METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.routes)]


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(ServiceError(ErrorKind.INTERNAL, f"internal error ({type(exc).__name__}); see the server log"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(index_errors.IndexStoreError, _index_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
