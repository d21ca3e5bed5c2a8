"""Metadata filters: one small JSON language, checked once, evaluated here in Python (the
reference every backend must agree with) and translated to SQL for the FAISS store's item table.

Grammar (a filter is a JSON object; several entries in one object are ANDed):

    {"key": value}                          equality; value is a string, number, bool or null
    {"key": {"eq" | "ne": value}}
    {"key": {"in" | "nin": [value, ...]}}   1 to MAX_IN values
    {"key": {"gt" | "gte" | "lt" | "lte": number}}   several operators on one key are ANDed
    {"and": [filter, ...]}, {"or": [filter, ...]}, {"not": filter}

Keys are top-level metadata keys taken literally ("a.b" is the key "a.b", not a path), and
`and`, `or`, `not` are always the combinators. Semantics, the same on every backend:
a missing key matches no condition on it (not even `ne` / `nin`: they mean "present and
different"), while `not` is the plain complement (so it matches items without the key);
true is not 1; 1 equals 1.0; null equals only null; a range on a non-number is no match;
arrays and objects in metadata equal no value (they still count as present for `ne` / `nin`);
integers past 64 bits compare as the nearest double, as SQLite stores them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidArgument

MAX_DEPTH = 8  # and / or / not nested in one another
MAX_CONDITIONS = 64  # key conditions in one filter (an `in` list counts once)
MAX_IN = 1024  # values in one `in` / `nin` list
MAX_VALUES = 4096  # values in one filter, all conditions together
MAX_KEY = 256  # characters of a key
MAX_BYTES = 64 * 1024  # the filter as JSON
INT64 = (-(2**63), 2**63 - 1)
COMBINATORS = ("and", "or", "not")
EQUALITY = ("eq", "ne")
MEMBERSHIP = ("in", "nin")
RANGE = ("gt", "gte", "lt", "lte")
OPERATORS = EQUALITY + MEMBERSHIP + RANGE


class FilterError(InvalidArgument):
    """A filter the grammar refuses; the message starts with the path of the bad part."""


@dataclass(frozen=True)
class Condition:
    """One operator on one metadata key; `value` is a tuple for in / nin."""

    key: str
    op: str
    value: Any


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Condition | And | Or | Not


# -- parsing -------------------------------------------------------------------------------

def parse(filter: Any, where: str = "filter") -> Node:
    """The tree of a filter, or FilterError naming the path of its first bad part."""
    counter = [0, 0]  # conditions, values
    node = _object(filter, where, 0, counter)
    try:
        size = len(json.dumps(filter, ensure_ascii=False).encode())
    except UnicodeEncodeError:
        _fail(where, "holds a lone surrogate (like \\ud800): send whole characters")
    if size > MAX_BYTES:
        _fail(where, f"over {MAX_BYTES // 1024} KiB as JSON: keep it smaller")
    return node


def _fail(where: str, problem: str):
    raise FilterError(f"{where}: {problem}")


def _object(value: Any, where: str, depth: int, counter: list[int]) -> Node:
    if not isinstance(value, Mapping):
        _fail(where, f"expected a filter object, got {_kind(value)}")
    if not value:
        _fail(where, "an empty filter: give at least one condition")
    parts = []
    for key, child in value.items():
        if not isinstance(key, str):
            _fail(where, f"key {key!r} must be a string")
        path = f"{where}.{key}"
        if key in COMBINATORS:
            if depth >= MAX_DEPTH:
                _fail(path, f"and / or / not nested more than {MAX_DEPTH} deep: flatten the filter")
            parts.append(_combinator(key, child, path, depth + 1, counter))
        else:
            parts.extend(_conditions(key, child, path, counter))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _combinator(word: str, value: Any, where: str, depth: int, counter: list[int]) -> Node:
    if word == "not":
        return Not(_object(value, where, depth, counter))
    if not isinstance(value, list) or not value:
        _fail(where, f"expected a non-empty list of filters, got {_kind(value)}")
    parts = tuple(_object(child, f"{where}[{i}]", depth, counter) for i, child in enumerate(value))
    return (And if word == "and" else Or)(parts)


def _conditions(key: str, value: Any, where: str, counter: list[int]) -> list[Condition]:
    if not key or len(key) > MAX_KEY:
        _fail(where, f"a key must have 1 to {MAX_KEY} characters")
    if isinstance(value, list):
        _fail(where, 'a list is not a value to compare with: use {"in": [...]} to match any of several values')
    if not isinstance(value, Mapping):
        return [_count(Condition(key, "eq", _scalar(value, where)), where, counter)]
    if not value:
        _fail(where, f"expected at least one operator: {', '.join(OPERATORS)}")
    conditions = []
    for op, operand in value.items():
        path = f"{where}.{op}"
        if op in EQUALITY:
            operand = _scalar(operand, path)
        elif op in MEMBERSHIP:
            operand = _list(operand, path)
        elif op in RANGE:
            operand = _number(operand, path)
        else:
            _fail(path, f"unknown operator: use one of {', '.join(OPERATORS)}")
        conditions.append(_count(Condition(key, op, operand), path, counter))
    return conditions


def _count(condition: Condition, where: str, counter: list[int]) -> Condition:
    counter[0] += 1
    counter[1] += len(condition.value) if condition.op in MEMBERSHIP else 1
    if counter[0] > MAX_CONDITIONS:
        _fail(where, f"more than {MAX_CONDITIONS} conditions in one filter: simplify it")
    if counter[1] > MAX_VALUES:
        _fail(where, f"more than {MAX_VALUES} values in one filter: simplify it")
    return condition


def _scalar(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return _number(value, where)
    _fail(where, f"expected a string, number, bool or null, got {_kind(value)}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"expected a number, got {_kind(value)}")
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        _fail(where, "integers in filters must fit in 64 bits (-2**63 to 2**63-1)")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(where, "expected a finite number")
    return value


def _list(value: Any, where: str) -> tuple:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN:
        _fail(where, f"expected a list of 1 to {MAX_IN} values, got {_kind(value)}")
    return tuple(_scalar(item, f"{where}[{i}]") for i, item in enumerate(value))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return {bool: "a bool", str: "a string", int: "a number", float: "a number"}.get(
        type(value), "an object" if isinstance(value, Mapping) else type(value).__name__)


# -- evaluation (the reference) ------------------------------------------------------------

def matches(metadata: Mapping[str, Any], node: Node | None) -> bool:
    """Whether an item's metadata passes the filter tree (None passes everything)."""
    if node is None:
        return True
    if isinstance(node, Condition):
        return node.key in metadata and _holds(metadata[node.key], node.op, node.value)
    if isinstance(node, And):
        return all(matches(metadata, part) for part in node.parts)
    if isinstance(node, Or):
        return any(matches(metadata, part) for part in node.parts)
    return not matches(metadata, node.part)


def _holds(value: Any, op: str, operand: Any) -> bool:
    if op == "eq":
        return equal(value, operand)
    if op == "ne":
        return not equal(value, operand)
    if op in MEMBERSHIP:
        found = any(equal(value, item) for item in operand)
        return found if op == "in" else not found
    if not _is_number(value):
        return False
    value = _as_stored(value)
    return {"gt": value > operand, "gte": value >= operand, "lt": value < operand, "lte": value <= operand}[op]


def equal(value: Any, operand: Any) -> bool:
    """JSON equality of a metadata value and a filter scalar: true is not 1, 1 equals 1.0."""
    if isinstance(value, bool) or isinstance(operand, bool):
        return isinstance(value, bool) and isinstance(operand, bool) and value == operand
    if _is_number(value) and _is_number(operand):
        return _as_stored(value) == operand
    return type(value) is type(operand) and value == operand and isinstance(value, (str, type(None)))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_stored(value: float) -> float:
    """An integer past 64 bits as the double SQLite (and JSON parsers generally) keep of it."""
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        return float(value)
    return value


# -- SQL for the item table (FAISS store) --------------------------------------------------

def to_sql(node: Node, column: str = "metadata") -> tuple[str, list[Any]]:
    """A WHERE clause over the JSON text in `column` and its bound parameters. Every key and
    value is a parameter; each condition is an EXISTS over json_each, so it is never NULL and
    `NOT` is the exact complement."""
    if isinstance(node, Condition):
        test, params = _value_test(node.op, node.value)
        if node.op in ("ne", "nin"):
            test = f"NOT ({test})"
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE key = ? AND ({test}))", [node.key, *params]
    if isinstance(node, Not):
        sql, params = to_sql(node.part, column)
        return f"NOT ({sql})", params
    joined = [to_sql(part, column) for part in node.parts]
    word = " AND " if isinstance(node, And) else " OR "
    return word.join(f"({sql})" for sql, _ in joined), [p for _, params in joined for p in params]


_NUMBER = "type IN ('integer', 'real')"


def _value_test(op: str, operand: Any) -> tuple[str, list[Any]]:
    """A test over json_each's `type` and `atom` columns (a type test first: `atom` holds 1
    for true, so the type is what keeps true from equalling 1). Values are bound one by one:
    SQLite parses stored numbers exactly as Python does, and a bound string keeps a NUL."""
    if op in RANGE:
        sign = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"{_NUMBER} AND atom {sign} ?", [operand]
    values = operand if op in MEMBERSHIP else (operand,)
    tests, params = [], []
    for flag, word in ((True, "true"), (False, "false"), (None, "null")):
        if any(v is flag for v in values):
            tests.append(f"type = '{word}'")
    for test, chosen in (("type = 'text'", [v for v in values if isinstance(v, str)]),
                         (_NUMBER, [v for v in values if _is_number(v)])):
        if chosen:
            tests.append(f"({test} AND atom IN ({', '.join('?' * len(chosen))}))")
            params.extend(chosen)
    return " OR ".join(tests), params
