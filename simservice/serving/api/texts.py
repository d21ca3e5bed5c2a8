"""Checks on the texts of a request that need settings or the tokenizer: count and token length."""

from __future__ import annotations

from typing import Sequence

from simservice.model.tokenizer import Tokenizer
from simservice.serving.engine.errors import ErrorKind, ServiceError


def check_count(count: int, limit: int, what: str = "texts") -> None:
    if count > limit:
        raise ServiceError(ErrorKind.INVALID, f"{count} {what} in one request is over the limit of {limit}: "
                           "split them over several requests")


def field_names(field: str, count: int) -> list[str]:
    """How errors name each text: `texts[0]`, `texts[1]`, ..."""
    return [f"{field}[{i}]" for i in range(count)]


def tokenize(tokenizer: Tokenizer, texts: Sequence[str], limit: int, truncate: bool,
             names: Sequence[str] | None = None) -> tuple[list[list[int]], list[bool]]:
    """Token ids of each text ([CLS] ... [SEP]), and whether each was cut; over `limit` tokens
    refused unless `truncate`. `names` say where each text is in the request, for the error message."""
    encoded = tokenizer.encode_within(list(texts), limit, truncate)
    names = names or field_names("texts", len(encoded))
    for (seq, length), where in zip(encoded, names):
        if length <= 2:
            raise ServiceError(ErrorKind.INVALID, f"{where} has no tokens once control characters are "
                               "removed: send visible text")
        if len(seq) > limit:
            raise ServiceError(ErrorKind.INVALID, f"{where} is {length} tokens long, over the limit of "
                               f"{limit}: shorten it or send \"truncate\": true")
    return [seq for seq, _ in encoded], [len(seq) < length for seq, length in encoded]
