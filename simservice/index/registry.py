"""The one place a backend is chosen: `open_index(url)` parses an index URL and builds its backend.

    faiss:///abs/path  faiss://rel/path  faiss://     FAISS + SQLite in a directory (default: data_dir)
    memory://                                        numpy, in memory (the reference; nothing persists)
    milvus://[token@]host:port[?prefix=&timeout=]    a Milvus server (milvus+https:// for TLS)
    postgresql://user:pass@host:port/db[?schema=&timeout=]   Postgres + pgvector

The registry imports the backends (lazily: each needs its own client); no backend imports it.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .errors import BackendNotInstalled, InvalidArgument
from .milvus.options import MilvusOptions
from .protocol import CollectionManager


@dataclass(frozen=True)
class IndexUrl:
    """A parsed index URL: the backend's name, its options, and the URL with any password hidden."""

    backend: str  # "faiss", "numpy", "milvus", "pgvector"
    options: Any  # a directory, None, MilvusOptions or PgOptions
    shown: str
    timeout: float | None = None  # seconds one call to a server backend may take


def _faiss(url: str, parts, defaults: dict[str, Any]) -> IndexUrl:
    path = unquote(url.split("://", 1)[1].split("?", 1)[0]) or defaults.get("data_dir") or "data/index"
    return IndexUrl("faiss", path, f"faiss://{path}")


def _memory(url: str, parts, defaults: dict[str, Any]) -> IndexUrl:
    return IndexUrl("numpy", None, "memory://")


def _milvus(url: str, parts, defaults: dict[str, Any]) -> IndexUrl:
    query = _query(parts, {"token", "prefix", "timeout"})
    base = defaults.get("milvus") or MilvusOptions()
    scheme = "https" if parts.scheme == "milvus+https" else "http"
    token = unquote(parts.netloc.rsplit("@", 1)[0]) if "@" in parts.netloc else query.get("token", base.token)
    options = MilvusOptions(f"{scheme}://{parts.netloc.rsplit('@', 1)[-1] or '127.0.0.1:19530'}", token,
                            query.get("prefix", base.prefix), _timeout(query, base.timeout))
    return IndexUrl("milvus", options, f"{parts.scheme}://{parts.hostname or ''}{_port(parts)}", options.timeout)


def _postgres(url: str, parts, defaults: dict[str, Any]) -> IndexUrl:
    from .pgvector.options import PgOptions

    own = {"schema", "timeout"}
    query = _query(parts, own, strict=False)  # the others are libpq's (sslmode, connect_timeout...)
    libpq = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in own])
    options = PgOptions(urlunsplit(parts._replace(query=libpq)), query.get("schema", "simservice"),
                        _timeout(query, PgOptions.timeout))
    shown = f"postgresql://{parts.username + '@' if parts.username else ''}{parts.hostname or ''}{_port(parts)}{parts.path}"
    return IndexUrl("pgvector", options, shown, options.timeout)


def _query(parts, known: set[str], *, strict: bool = True) -> dict[str, str]:
    """The URL's parameters among `known`; with `strict`, any other is refused."""
    query = {key: value for key, value in parse_qsl(parts.query) if key in known or strict}
    unknown = sorted(set(query) - known)
    if unknown:
        raise InvalidArgument(f"index URL: unknown parameter {unknown[0]!r} (known: {', '.join(sorted(known))})")
    return query


def _timeout(query: dict[str, str], default: float) -> float:
    if "timeout" not in query:
        return default
    try:
        seconds = float(query["timeout"])
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidArgument(f"index URL: timeout={query['timeout']!r} is not a positive number of seconds")
    return seconds


def _port(parts) -> str:
    return f":{parts.port}" if parts.port else ""


def _build_faiss(options: str) -> CollectionManager:
    from .faiss import FaissCollections

    return FaissCollections(options)


def _build_numpy(options: None) -> CollectionManager:
    from .memory import NumpyCollections

    return NumpyCollections()


def _build_milvus(options: MilvusOptions) -> CollectionManager:
    from .milvus.collections import MilvusCollections

    return MilvusCollections(options)


def _build_pgvector(options) -> CollectionManager:
    from .pgvector.collections import PgCollections

    return PgCollections(options)


SCHEMES: dict[str, Callable[..., IndexUrl]] = {
    "faiss": _faiss, "memory": _memory, "milvus": _milvus, "milvus+https": _milvus,
    "postgresql": _postgres, "postgres": _postgres,
}
BUILDERS: dict[str, Callable[[Any], CollectionManager]] = {
    "faiss": _build_faiss, "numpy": _build_numpy, "milvus": _build_milvus, "pgvector": _build_pgvector,
}
BACKENDS = tuple(BUILDERS)
# backend -> (its client library, the install that brings it)
CLIENTS = {"milvus": ("pymilvus", "pip install 'simservice[milvus]'"),
           "pgvector": ("psycopg", "pip install 'simservice[pgvector]'")}


def require_client(backend: str) -> None:
    """Raise BackendNotInstalled, saying what to install, unless `backend`'s client library
    imports (pymilvus 2.3.7 needs setuptools' pkg_resources, which setuptools 70 removed)."""
    if backend not in CLIENTS:
        return
    module, install = CLIENTS[backend]
    try:
        importlib.import_module(module)
    except Exception as exc:  # ImportError, or whatever a broken dependency raises on import
        hint = " (or pip install 'setuptools<70')" if "pkg_resources" in str(exc) else ""
        raise BackendNotInstalled(
            f"index backend {backend!r} needs {module}, which cannot be imported ({type(exc).__name__}: "
            f"{exc}): {install}{hint}") from exc


def parse_index_url(url: str | None, **defaults: Any) -> IndexUrl:
    """The backend and options an index URL names; None is FAISS in `defaults["data_dir"]`. `defaults`
    may give `data_dir` and `milvus` (MilvusOptions whose token, prefix and timeout the URL may override)."""
    url = (url or "faiss://").strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise InvalidArgument(f"index URL {url[:40]!r}: expected one starting with "
                              f"{', '.join(s + '://' for s in SCHEMES)}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError as exc:
        raise InvalidArgument(f"index URL ({scheme}://...) is malformed: {exc}") from None
    return SCHEMES[scheme](url, parts, defaults)


def open_index(url: str | IndexUrl | None, **defaults: Any) -> CollectionManager:
    """The collection manager an index URL names (see parse_index_url)."""
    parsed = url if isinstance(url, IndexUrl) else parse_index_url(url, **defaults)
    require_client(parsed.backend)
    return BUILDERS[parsed.backend](parsed.options)


def open_collections(backend: str, *, data_dir: str | None = None,
                     milvus: MilvusOptions | None = None) -> CollectionManager:
    """The collection manager of a backend by name ("faiss", "numpy", "milvus"): the call before
    index URLs, kept for one release."""
    if backend == "faiss" and data_dir is None:
        raise ValueError("the faiss backend keeps its collections in a directory: give data_dir")
    options = {"faiss": data_dir, "numpy": None, "milvus": milvus or MilvusOptions()}
    if backend not in options:
        raise ValueError(f"index backend {backend!r} is unknown: use one of {', '.join(options)}")
    require_client(backend)
    return BUILDERS[backend](options[backend])


