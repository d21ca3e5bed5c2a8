"""Metadata filters as Milvus expressions: every value escaped, never pasted in as raw text.

A filter is equality on top-level metadata keys. Each condition Milvus can evaluate exactly
(or as a superset) becomes `metadata["key"] == literal`; the rest stay behind as a residual
that the store checks in Python. Every hit is re-checked with `validation.matches` anyway,
so answers follow the FAISS store's rules (true is not 1, 1 equals 1.0) whatever Milvus does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

# Milvus 2.3 does not unquote JSON keys: a key holding a quote, backslash, bracket or '/'
# (a JSON-pointer separator) cannot be written safely, so such keys are checked in Python.
_SAFE_KEY = re.compile(r'[^"\'\\\[\]/~\x00-\x1f\x7f]{1,256}')
_PLAIN = re.compile(r"[A-Za-z0-9_]")
MAX_EXACT_INT = 2**53  # beyond this Milvus compares JSON numbers as doubles


def string_literal(text: str) -> str:
    """A double-quoted Milvus string literal: letters, digits and '_' as they are, every other
    character as a \\u or \\U escape, so no character of `text` can end the literal."""
    out = []
    for char in text:
        code = ord(char)
        if _PLAIN.fullmatch(char):
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def value_literal(value: Any) -> str | None:
    """The literal of a JSON scalar, or None when Milvus cannot compare it exactly (null,
    objects, arrays, integers past 2**53)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) <= MAX_EXACT_INT else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return string_literal(value)
    return None


def id_list(ids) -> str:
    """`id in ["a", "b"]` with every id escaped."""
    return "id in [" + ", ".join(string_literal(item_id) for item_id in ids) + "]"


def translate(filter: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """(expression for Milvus, residual filter for Python). The expression is "" when no
    condition could be pushed down; the residual is empty when all were."""
    if not filter:
        return "", {}
    terms, residual = [], {}
    for key, value in filter.items():
        literal = value_literal(value)
        if literal is None or not _SAFE_KEY.fullmatch(key):
            residual[key] = value
            continue
        terms.append(f'metadata["{key}"] == {literal}')
    return " and ".join(terms), residual
