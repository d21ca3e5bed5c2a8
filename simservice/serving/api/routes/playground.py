"""The playground: a static page at / and /ui to try paraphrase, compare and search in a browser.

The page and its files load without the API key (only the API calls it makes need one) and
come from the package itself, so it works offline; the Content-Security-Policy keeps it so.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Response

from simservice.serving.api.deps import SettingsDep
from simservice.service.errors import ErrorKind, ServiceError

MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".js": "text/javascript; charset=utf-8"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
STATIC = resources.files("simservice.serving.api") / "static"

router = APIRouter(include_in_schema=False)


def static_file(name: str) -> Response:
    """One file of the page, by name; only the files shipped beside this package are served."""
    path = STATIC / name
    media_type = MEDIA_TYPES.get("." + name.rpartition(".")[2])
    if "/" in name or media_type is None or not path.is_file():
        raise ServiceError(ErrorKind.NOT_FOUND, f"the playground has no file {name!r}: open / or /ui")
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP}
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


@router.get("/", summary="the playground page")
@router.get("/ui", summary="the playground page")
async def page() -> Response:
    return static_file("index.html")


@router.get("/ui/model-card", summary="the served model's card (README.md of its directory), as text")
async def model_card(settings: SettingsDep) -> Response:
    card = Path(settings.model) / "README.md"
    if not card.is_file():
        raise ServiceError(ErrorKind.NOT_FOUND, f"the model {settings.model} has no README.md card")
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP}
    return Response(card.read_bytes(), media_type="text/plain; charset=utf-8", headers=headers)


@router.get("/ui/static/{name}", summary="a file of the playground page")
async def asset(name: str) -> Response:
    return static_file(name)
