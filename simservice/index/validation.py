"""Checks on everything a caller hands the index layer, run before anything is written.

Each check raises the error class of its own kind with a message saying what to change, so a
bad batch is refused whole and nothing is half-written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from simservice.json_input import is_utf8

from . import filters
from .errors import DimensionMismatch, InvalidArgument, InvalidId, InvalidVector
from .types import INDEX_KINDS, METRICS, CollectionConfig, IndexSpec, Item

MAX_ID_LENGTH = 256
MAX_K = 1024
MAX_PAGE = 10_000
MAX_METADATA_BYTES = 64 * 1024
MAX_METADATA_DEPTH = 16  # objects and arrays nested in one metadata object, itself included
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_name(name: Any) -> str:
    """A collection name: 1-64 of letters, digits, '_' and '-', starting with a letter or digit."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgument(
            f"collection name {name!r} is not allowed: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_metric(metric: Any) -> str:
    if metric not in METRICS:
        raise InvalidArgument(f"metric {metric!r} is unknown: use one of {', '.join(METRICS)}")
    return metric


# Each index number: the kind it belongs to, its default and its allowed range. A whitelist:
# a value outside it never reaches a backend (FAISS aborts the process on HNSW0, say).
INDEX_NUMBERS = {
    "m": ("hnsw", 32, 4, 64),
    "ef": ("hnsw", 64, 1, 4096),
    "nlist": ("ivf", 1024, 1, 65536),
    "nprobe": ("ivf", 16, 1, 65536),
}


def check_index_spec(spec: Any) -> IndexSpec:
    """An IndexSpec with its kind known, each number in range and of its kind, defaults filled in."""
    if spec is None:
        return IndexSpec()
    if not isinstance(spec, IndexSpec):
        raise InvalidArgument(f"index must be an IndexSpec, got {type(spec).__name__}")
    if spec.kind not in INDEX_KINDS:
        raise InvalidArgument(f"index kind {spec.kind!r} is unknown: use one of {', '.join(INDEX_KINDS)}")
    values = {}
    for name, (kind, default, low, high) in INDEX_NUMBERS.items():
        value = getattr(spec, name)
        if value is None:
            values[name] = default if kind == spec.kind else None
            continue
        if kind != spec.kind:
            raise InvalidArgument(f"{name} applies to {kind} indexes, not {spec.kind}: leave it out")
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise InvalidArgument(f"{name}={value!r} is out of range: use an integer from {low} to {high}")
        values[name] = int(value)
    if spec.kind == "ivf" and values["nprobe"] > values["nlist"]:
        raise InvalidArgument(f"nprobe={values['nprobe']} is more than nlist={values['nlist']}: "
                              "probe at most every list")
    return IndexSpec(spec.kind, **values)


def check_dim(dim: Any) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 1 <= dim <= 65536:
        raise InvalidArgument(f"dimension {dim!r} is out of range: use an integer from 1 to 65536")
    return int(dim)


def check_id(item_id: Any) -> str:
    """An item id: a non-empty string of at most MAX_ID_LENGTH characters, no control characters."""
    if not isinstance(item_id, str):
        raise InvalidId(f"item id {item_id!r} is a {type(item_id).__name__}: ids must be strings")
    if not item_id:
        raise InvalidId("item id is empty: give each item a non-empty string id")
    if len(item_id) > MAX_ID_LENGTH:
        raise InvalidId(
            f"item id {item_id[:32]!r}... has {len(item_id)} characters: "
            f"the limit is {MAX_ID_LENGTH}"
        )
    if _CONTROL.search(item_id):
        raise InvalidId(f"item id {item_id!r} holds control characters: remove them")
    if not is_utf8(item_id):
        raise InvalidId(f"item id {item_id!r} holds a lone surrogate: send whole characters")
    return item_id


def in_order_asked(ids: Sequence[str], items: Iterable[Item]) -> list[Item]:
    """`items` (found in any order) ordered as their ids first appear in `ids`, each once."""
    by_id = {item.id: item for item in items}
    return [by_id[item_id] for item_id in dict.fromkeys(ids) if item_id in by_id]


def check_ids(ids: Iterable[Any], *, unique: bool) -> list[str]:
    """Every id checked; with unique=True a repeated id in one batch is refused."""
    if isinstance(ids, str):
        raise InvalidArgument("ids must be a list of strings, not one string")
    checked = [check_id(item_id) for item_id in ids]
    if unique and len(set(checked)) != len(checked):
        seen: set[str] = set()
        dup = next(i for i in checked if i in seen or seen.add(i))
        raise InvalidId(f"item id {dup!r} appears twice in one batch: send each id once")
    return checked


def check_vectors(vectors: Any, dim: int, *, normalize: bool) -> np.ndarray:
    """A float32 matrix [n, dim] of finite values; L2-normalised when normalize (cosine)."""
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (ValueError, TypeError) as exc:
        raise InvalidVector(f"vectors are not a rectangular array of numbers: {exc}") from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise InvalidVector(f"vectors must be [n, {dim}], got an array of shape {array.shape}")
    if array.shape[1] != dim:
        raise DimensionMismatch(
            f"vectors have dimension {array.shape[1]} but the collection has dimension {dim}: "
            "encode with the model the collection was created for"
        )
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise InvalidVector(f"vector {row} holds NaN or infinite values: send finite numbers")
    array = np.array(array, dtype=np.float32, order="C", copy=True)
    if normalize:
        norms = np.linalg.norm(array, axis=1)
        if (norms == 0).any():
            row = int(np.argmin(norms))
            raise InvalidVector(
                f"vector {row} is all zeros: cosine needs a direction, send a non-zero vector"
            )
        array /= norms[:, None]
    return array


def json_depth(value: Any, limit: int) -> int:
    """How deeply objects and arrays nest in `value` (1 for a flat one), counted up to `limit` + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (Mapping, list, tuple)):
            deepest = max(deepest, depth)
            if depth <= limit:
                stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, Mapping) else value))
    return deepest


def check_metadata(metadata: Any) -> tuple[dict[str, Any], str]:
    """A JSON object and its canonical text (refused if not serialisable, nested more than
    MAX_METADATA_DEPTH levels or over 64 KiB)."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        raise InvalidArgument(
            f"metadata must be a JSON object (dict), got {type(metadata).__name__}"
        )
    if json_depth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH:
        raise InvalidArgument(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels: flatten it")
    try:
        text = json.dumps(metadata, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"metadata is not JSON-serialisable: {exc}") from None
    try:
        size = len(text.encode())
    except UnicodeEncodeError:
        raise InvalidArgument("metadata holds a lone surrogate (e.g. '\\ud800'): send whole characters") from None
    if size > MAX_METADATA_BYTES:
        raise InvalidArgument(f"metadata is over {MAX_METADATA_BYTES} bytes as JSON: keep it smaller")
    return json.loads(text), text


def check_items(items: Sequence[Item], dim: int, *, normalize: bool):
    """A batch of items as (ids, texts, metadata objects, metadata JSON texts, vector matrix)."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise InvalidArgument("items must be a list of Item")
    for item in items:
        if not isinstance(item, Item):
            raise InvalidArgument(f"items must be Item objects, got {type(item).__name__}")
    ids = check_ids([item.id for item in items], unique=True)
    texts = []
    for item in items:
        if not isinstance(item.text, str) or not is_utf8(item.text):
            raise InvalidArgument(f"text of item {item.id!r} must be a string of whole characters")
        texts.append(item.text)
    pairs = [check_metadata(item.metadata) for item in items]
    metas = [pair[0] for pair in pairs]
    meta_texts = [pair[1] for pair in pairs]
    if not items:
        return ids, texts, metas, meta_texts, np.zeros((0, dim), dtype=np.float32)
    for row, item in enumerate(items):
        length = np.shape(item.vector)
        if len(length) != 1 or length[0] != dim:
            if len(length) == 1:
                raise DimensionMismatch(
                    f"vector of item {item.id!r} has dimension {length[0]} but the collection "
                    f"has dimension {dim}: encode with the model the collection was created for"
                )
            raise InvalidVector(f"vector of item {item.id!r} must be 1-D, got shape {length}")
    vectors = check_vectors(np.stack([np.asarray(item.vector) for item in items]), dim,
                            normalize=normalize)
    return ids, texts, metas, meta_texts, vectors


def check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
        raise InvalidArgument(f"k={k!r} is out of range: ask for 1 to {MAX_K} results")
    return int(k)


def check_page(offset: Any, limit: Any) -> tuple[int, int]:
    for name, value, low, high in (("offset", offset, 0, 2**62), ("limit", limit, 1, MAX_PAGE)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise InvalidArgument(f"{name}={value!r} is out of range: use {low} to {high}")
    return int(offset), int(limit)


def check_min_score(min_score: Any) -> float | None:
    if min_score is None:
        return None
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float, np.floating)) \
            or not math.isfinite(min_score):
        raise InvalidArgument(f"min_score={min_score!r} must be a finite number or None")
    return float(min_score)


def check_search(queries: Any, k: Any, filter: Any, min_score: Any, config: CollectionConfig):
    """A search's arguments checked, as every store takes them: (query matrix, normalised for
    cosine, k, filter tree or None, min_score)."""
    k, node, min_score = check_k(k), parse_filter(filter), check_min_score(min_score)
    return check_vectors(queries, config.dim, normalize=config.metric == "cosine"), k, node, min_score


def parse_filter(filter: Any) -> filters.Node | None:
    """The tree of a filter of the language in `filters` (None for none), refused with the path of its
    bad part. A filter is parsed once: a tree (parsed where the request was read) is taken as it is."""
    if filter is None or isinstance(filter, filters.Node):
        return filter
    return filters.parse(filter)


def parse_delete_filter(filter: Any) -> filters.Node:
    """The tree of a delete's filter: an empty one is refused rather than deleting everything."""
    if isinstance(filter, filters.Node):
        return filter
    if filter is None or (isinstance(filter, Mapping) and not filter):
        raise filters.FilterError("filter: an empty filter would delete every item: drop the collection "
                                  "instead to delete everything")
    return filters.parse(filter)


SEARCH_KNOBS = {"ef": "hnsw", "nprobe": "ivf"}  # per-search numbers and the index kind each tunes


def check_search_params(params: Any, spec: IndexSpec) -> dict[str, int]:
    """Per-search `ef` (hnsw) or `nprobe` (ivf) checked against the collection's index `spec`."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidArgument('search_params must be an object such as {"ef": 128} or {"nprobe": 32}')
    checked = {}
    for name, value in params.items():
        where = f"search_params.{name}"
        kind = SEARCH_KNOBS.get(name)
        if kind is None:
            raise InvalidArgument(f"{where}: unknown: use ef (hnsw indexes) or nprobe (ivf indexes)")
        if kind != spec.kind:
            raise InvalidArgument(f"{where}: applies to {kind} indexes, and this collection's index is "
                                  f"{spec.kind}: leave it out")
        low, high = INDEX_NUMBERS[name][2:]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise InvalidArgument(f"{where}: expected an integer from {low} to {high}, got {value!r}")
        if name == "nprobe" and spec.nlist is not None and value > spec.nlist:
            raise InvalidArgument(f"{where}: {value} is more than the collection's nlist={spec.nlist}: "
                                  "probe at most every list")
        checked[name] = int(value)
    return checked
