"""Optional API key: `Authorization: Bearer <key>` on every route but /health and /ready."""

from __future__ import annotations

import secrets

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from simservice.serving.engine.errors import ErrorKind, ServiceError

bearer = HTTPBearer(auto_error=False, description="the server's API key, when it was started with one")


async def require_api_key(request: Request,
                          credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
    key = request.app.state.service.settings.api_key
    if key is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), key.get_secret_value().encode()):
        raise ServiceError(ErrorKind.UNAUTHORIZED, "missing or wrong API key: send 'Authorization: Bearer <key>'",
                           {"WWW-Authenticate": "Bearer"})
