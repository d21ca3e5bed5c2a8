"""/openapi.json and /docs (Swagger UI), with its scripts served by the app itself. There is no /redoc:
ReDoc's bundle fetches its logo from a CDN, and /docs shows the same schema fully offline.

The Swagger UI files come from the `fastapi-offline` package (MIT), so the pages work
offline and where a CDN is slow or blocked. They open without the API key unless the server was
started with --protect-docs.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from simservice.serving.api.auth import require_api_key
from simservice.service.errors import ErrorKind, ServiceError

ASSETS = resources.files("fastapi_offline") / "static"
MEDIA_TYPES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
               "favicon.png": "image/png"}
TITLE = "simservice API"


def docs_router(protect: bool) -> APIRouter:
    """The docs routes; `protect` puts the schema and pages behind the API key (their scripts stay open)."""
    pages = APIRouter(include_in_schema=False, dependencies=[Depends(require_api_key)] if protect else [])

    @pages.get("/openapi.json")
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @pages.get("/docs")
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title=TITLE,
                                   swagger_js_url=f"{root}/docs/static/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}/docs/static/swagger-ui.css",
                                   swagger_favicon_url=f"{root}/docs/static/favicon.png")


    assets = APIRouter(include_in_schema=False)

    @assets.get("/docs/static/{name}")
    async def asset(name: str) -> Response:
        if name not in MEDIA_TYPES:
            raise ServiceError(ErrorKind.NOT_FOUND, f"the docs have no file {name!r}: open /docs")
        return Response((ASSETS / name).read_bytes(), media_type=MEDIA_TYPES[name],
                        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})

    router = APIRouter()
    router.include_router(pages)
    router.include_router(assets)
    return router
