"""The one rule for JSON that comes from outside (request bodies, NDJSON lines, dataset files,
uploaded manifests): standard JSON only (no NaN or Infinity), at most 64 levels deep, whole characters."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # arrays and objects nested in one JSON value


class BadJson(ValueError):
    """Well-formed JSON the service refuses; the message names where and what to change."""


class _Constant(str):
    """What NaN, Infinity or -Infinity parse to, so the check can name the field that holds one."""


def loads(text: str | bytes, what: str = "the value") -> Any:
    """The JSON value of `text`, checked (`what` names it in errors); json.JSONDecodeError if it is not JSON."""
    try:
        value = json.loads(text, parse_constant=_Constant)
    except RecursionError:
        raise BadJson(f"{what} is nested deeper than {MAX_DEPTH} levels: flatten it") from None
    check(value, what=what)
    return value


def check(value: Any, what: str = "the value") -> None:
    """Refuse values nested past MAX_DEPTH levels, NaN or Infinity, and strings or keys holding lone
    surrogates (`"\\ud800"`), which no UTF-8 text, tokenizer or database can hold."""
    stack = [(value, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, _Constant):
            raise BadJson(f"{_short(path or what)}: {value} is not a JSON number: send a finite number or null")
        if isinstance(value, str):
            _check_text(value, path or what)
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise BadJson(f"{_short(path or what)}: nested deeper than {MAX_DEPTH} levels: flatten it")
            if isinstance(value, dict):
                for key, child in value.items():
                    _check_text(key, f"a key of {path or what}")
                    stack.append((child, f"{path}.{key}" if path else key, depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))


def is_utf8(text: str) -> bool:
    """False for strings holding lone surrogates ('\\ud800'), which no UTF-8 file or database holds."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(path: str) -> str:
    return path if len(path) <= 80 else f"{path[:60]}...{path[-17:]}"


def _check_text(text: str, path: str) -> None:
    if not text.isascii() and not is_utf8(text):
        raise BadJson(f"{_short(path)} holds a lone surrogate (like \\ud800): send whole characters "
                      "(a pair such as \\ud83d\\ude00 is fine)")
