"""What an unknown request field probably meant: a known field of the same model by another API's
name (`payload` -> `metadata`, `top_k` -> `k`, `input` -> `texts`) or by spelling (difflib)."""

from __future__ import annotations

import difflib
import typing

from pydantic import BaseModel
from starlette.requests import Request

# Names other embedding and vector APIs (OpenAI, TEI, Qdrant, Milvus) use for our fields.
ALIASES = {
    "payload": ["metadata"], "meta": ["metadata"], "metadatas": ["metadata"],
    "query": ["text", "texts", "source"], "queries": ["texts"], "q": ["text"],
    "input": ["text", "texts"], "inputs": ["texts"], "text": ["input"], "texts": ["input"], "sentence": ["text"], "sentences": ["texts"],
    "documents": ["texts", "items"], "points": ["items"], "vectors": ["items"],
    "top_k": ["k"], "topk": ["k"], "limit": ["k"], "n_results": ["k"], "top_n": ["k"],
    "score_threshold": ["min_score"], "threshold": ["min_score"],
    "where": ["filter"], "expr": ["filter"], "filters": ["filter"],
    "collection_name": ["collection", "name"], "index_name": ["collection"],
    "text_a": ["source"], "text_b": ["target", "targets"], "candidates": ["targets"],
}


def body_model(request: Request) -> type[BaseModel] | None:
    """The pydantic model of the body of the route that answered `request`, if it has one."""
    field = getattr(request.scope.get("route"), "body_field", None)
    return _model_in(getattr(field, "type_", None) or getattr(getattr(field, "field_info", None), "annotation", None))


def model_at(model: type[BaseModel] | None, path: typing.Sequence) -> type[BaseModel] | None:
    """The model holding the field at `path` (e.g. ("items", 0) of an UpsertRequest: ItemIn)."""
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return model


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for arg in typing.get_args(annotation) if (m := _model_in(arg))), None)


def suggest(name: str, model: type[BaseModel] | None) -> str:
    """`; did you mean ...?` and the known fields, or "" when the model is not known."""
    if model is None:
        return ""
    known = list(model.model_fields)
    close = [f for f in ALIASES.get(name.lower(), []) if f in known]
    close = close or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {' or '.join(f'`{f}`' for f in close)}?" if close else ""
    return f"{hint} (known fields: {', '.join(known)})"
