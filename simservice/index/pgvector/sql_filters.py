"""Metadata filters (the tree of `index.filters`) as a SQL condition over a JSONB column, with every
key and value a bound parameter: the SQL text comes only from the fixed templates below.

The column holds a filter copy of the metadata (`filter_copy`) in which each number is the exact
decimal of the value Python compares (an integer past 64 bits as its nearest double), and each
string is escaped injectively so it holds no NUL (JSONB cannot). Operands are written the same
way, so JSONB's exact numeric equality and ordering give exactly the reference's answers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .. import filters

INT64 = filters.INT64
_SIGNS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def text(value: str) -> str:
    """A string without NUL, one to one: \\x01 becomes \\x01\\x01 and NUL \\x01\\x02."""
    return value.replace("\x01", "\x01\x01").replace("\x00", "\x01\x02")


def number(value: int | float, *, stored: bool) -> str:
    """The exact decimal of a number as Python compares it; a stored integer past 64 bits is read as a double."""
    if isinstance(value, int):
        if INT64[0] <= value <= INT64[1] or not stored:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            return str(value)
    return format(Decimal(value), "f")


def encode(value: Any, *, stored: bool = True) -> str:
    """The JSON text of a value for the JSONB filter column (or of a filter operand)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return number(value, stored=stored)
    if isinstance(value, str):
        return json.dumps(text(value))
    if isinstance(value, list):
        return "[" + ",".join(encode(item, stored=stored) for item in value) + "]"
    return "{" + ",".join(f"{json.dumps(text(key))}:{encode(item, stored=stored)}" for key, item in value.items()) + "}"


def filter_copy(metadata: dict[str, Any]) -> str:
    """What the `filter_meta` column holds for an item's metadata."""
    return encode(metadata)


def translate(node: filters.Node | None, column: str = "filter_meta") -> tuple[str, list[Any]]:
    """(a WHERE condition, its parameters); "TRUE" for no filter. Each condition is COALESCEd
    to a boolean, so NOT is the exact complement."""
    if node is None:
        return "TRUE", []
    if isinstance(node, filters.Condition):
        return _condition(node, column)
    if isinstance(node, filters.Not):
        inner, params = translate(node.part, column)
        return f"NOT ({inner})", params
    parts = [translate(part, column) for part in node.parts]
    word = " AND " if isinstance(node, filters.And) else " OR "
    return word.join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]


def _condition(cond: filters.Condition, column: str) -> tuple[str, list[Any]]:
    key = text(cond.key)
    if cond.op in filters.RANGE:
        return (f"CASE WHEN jsonb_typeof({column} -> %s) = 'number' "
                f"THEN ({column} -> %s)::numeric {_SIGNS[cond.op]} %s::numeric ELSE FALSE END",
                [key, key, number(cond.value, stored=False)])
    values = cond.value if cond.op in filters.MEMBERSHIP else (cond.value,)
    operands = [encode(value, stored=False) for value in values]
    test = f"COALESCE({column} -> %s = ANY(%s::jsonb[]), FALSE)"
    if cond.op in ("ne", "nin"):
        return f"({column} -> %s) IS NOT NULL AND NOT {test}", [key, key, operands]
    return test, [key, operands]
