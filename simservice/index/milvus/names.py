"""Collection names of the API as Milvus collection names, and back.

The API allows 1-64 letters, digits, '_' and '-', starting with a letter or digit; Milvus
allows letters, digits and '_', starting with a letter or '_', 255 at most. A name Milvus
takes as it is (with the prefix) is stored as `prefix + name`, as it always was. Any other
is stored as `prefix + "_" + escaped`, where '_' becomes '__' and '-' becomes '_h': no API
name starts with '_', so the two forms never meet, and the escape is undone unambiguously.
"""

from __future__ import annotations

import re

from .. import validation as check

_MILVUS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_ESCAPES = {"_": "__", "-": "_h"}
_UNESCAPES = {"_": "_", "h": "-"}


def to_milvus(prefix: str, name: str) -> str:
    """The Milvus collection name of API name `name` (checked first)."""
    check.check_name(name)
    if _MILVUS_NAME.fullmatch(prefix + name):
        return prefix + name
    return prefix + "_" + "".join(_ESCAPES.get(char, char) for char in name)


def from_milvus(prefix: str, stored: str) -> str | None:
    """The API name of Milvus collection `stored`, None if it is not one of this prefix's."""
    if not stored.startswith(prefix):
        return None
    rest = stored[len(prefix):]
    if rest.startswith("_"):
        rest = _unescape(rest[1:])
    if rest is None or not re.fullmatch(check.NAME_PATTERN, rest) or to_milvus(prefix, rest) != stored:
        return None
    return rest


def _unescape(text: str) -> str | None:
    chars, i = [], 0
    while i < len(text):
        if text[i] != "_":
            chars.append(text[i])
            i += 1
            continue
        plain = _UNESCAPES.get(text[i + 1:i + 2])
        if plain is None:
            return None
        chars.append(plain)
        i += 2
    return "".join(chars)
