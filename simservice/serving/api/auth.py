"""Optional API key: `Authorization: Bearer <key>` on every route but /health and /ready.

JSON routes check it at their door (guarded_route.py), before the body is read; `require_api_key`
is the dependency that marks a route as needing it (and checks it on routes without a door).
"""

from __future__ import annotations

import secrets

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from simservice.service.errors import ErrorKind
from simservice.serving.api.status_codes import ApiError

bearer = HTTPBearer(auto_error=False, description="the server's API key, when it was started with one")
CHECKED = "simservice.api_key_checked"  # scope key: the door has checked this request's key


def check_api_key(request: Request) -> None:
    """401 unless the request carries the configured key (nothing to check without one)."""
    key = request.app.state.settings.api_key
    if key is not None and not request.scope.get(CHECKED):
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(),
                                                                    key.get_secret_value().encode()):
            raise ApiError(ErrorKind.UNAUTHORIZED, "missing or wrong API key: send 'Authorization: Bearer <key>'",
                               {"WWW-Authenticate": "Bearer"})
    request.scope[CHECKED] = True


async def require_api_key(request: Request,
                          credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
    check_api_key(request)
