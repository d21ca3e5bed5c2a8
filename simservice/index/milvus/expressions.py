"""Metadata filters (the tree of `filters`) as Milvus expressions: every value escaped, never
pasted in as raw text.

Each part becomes an expression on the JSON field that selects exactly its items, or, where
Milvus cannot say it (null, integers past 2**53, keys holding quotes or brackets), a superset
of them (down to no expression at all). The store re-checks every hit with `filters.matches`,
so answers follow the documented rules whatever Milvus does; `exact` tells it whether the
expression alone was enough (then k candidates suffice).

What Milvus 2.3 does, and the translation relies on (tests/index/test_filters.py checks it):
`==` and `in` on numbers match 1 and 1.0 but not true, on strings only strings; `!=` and `not`
are plain complements (they match items without the key), hence `exists` in front of ne / nin;
a range on numbers never matches strings or bools; an `in` list must hold one type.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .. import filters

# Milvus 2.3 does not unquote JSON keys: a key holding a quote, backslash, bracket or '/'
# (a JSON-pointer separator) cannot be written safely, so such keys are checked in Python.
_SAFE_KEY = re.compile(r'[^"\'\\\[\]/~\x00-\x1f\x7f]{1,256}')
_PLAIN = re.compile(r"[A-Za-z0-9_]")
MAX_EXACT_INT = 2**53  # beyond this, JSON numbers are compared here as doubles: left to the re-check


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
    integers past 2**53)."""
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


def translate(node: filters.Node | None) -> tuple[str, bool]:
    """(expression for Milvus, whether it is exact). "" means no expression: every item."""
    if node is None:
        return "", True
    return _expr(node) or ("", False)


def _expr(node: filters.Node) -> tuple[str, bool] | None:
    """(expression, exact), or None when nothing narrower than "every item" can be said."""
    if isinstance(node, filters.Condition):
        return _condition(node)
    if isinstance(node, filters.Not):
        inner = _expr(node.part)
        return (f"not ({inner[0]})", True) if inner and inner[1] else None
    parts = [_expr(part) for part in node.parts]
    if isinstance(node, filters.Or):
        if any(part is None for part in parts):
            return None
        return " or ".join(f"({e})" for e, _ in parts), all(exact for _, exact in parts)
    said = [part for part in parts if part is not None]
    if not said:
        return None
    return " and ".join(f"({e})" for e, _ in said), len(said) == len(parts) and all(exact for _, exact in said)


def _condition(cond: filters.Condition) -> tuple[str, bool] | None:
    if not _SAFE_KEY.fullmatch(cond.key):
        return None
    field = f'metadata["{cond.key}"]'
    if cond.op in filters.RANGE:
        literal = value_literal(cond.value)
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[cond.op]
        return (f"{field} {sign} {literal}", True) if literal else None
    values = cond.value if cond.op in filters.MEMBERSHIP else (cond.value,)
    groups = {}
    for value in values:  # one `in` list per type: Milvus refuses a list of mixed types
        if value is None or value_literal(value) is None:
            return f"exists {field}", False
        kind = "bool" if isinstance(value, bool) else "str" if isinstance(value, str) else "number"
        groups.setdefault(kind, []).append(value_literal(float(value)) if kind == "number" else value_literal(value))
    test = " or ".join(f"{field} in [{', '.join(literals)}]" for literals in groups.values())
    if cond.op in ("ne", "nin"):
        return f"(exists {field}) and not ({test})", True
    return test, True
