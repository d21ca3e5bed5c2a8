"""Checks of a call that need limits or the tokenizer: how many texts, how many samples, how many tokens."""

from __future__ import annotations

from typing import Sequence

from simservice.model.tokenizer import Tokenizer
from simservice.service.errors import ErrorKind, ServiceError


def check_count(count: int, limit: int, what: str = "texts") -> None:
    if count > limit:
        raise ServiceError(ErrorKind.INVALID, f"{count} {what} in one request is over the limit of {limit}: "
                           "split them over several requests")


def check_samples(n: int, limit: int) -> None:
    if n > limit:
        raise ServiceError(ErrorKind.INVALID, f"n={n} is over the limit of {limit}: ask for fewer samples")


def field_names(field: str, count: int) -> list[str]:
    """How errors name each text: `texts[0]`, `texts[1]`, ..."""
    return [f"{field}[{i}]" for i in range(count)]


def prompt_text(tokenizer: Tokenizer, name: str | None) -> str:
    """The text of the model's prompt `name` (None: its default prompt, or none); 422 for a name it lacks."""
    try:
        return tokenizer.prompts.text(name)
    except ValueError as exc:
        raise ServiceError(ErrorKind.INVALID, str(exc)) from None


def tokenize(tokenizer: Tokenizer, texts: Sequence[str], limit: int, truncate: bool,
             names: Sequence[str] | None = None, prompt: str = "") -> tuple[list[list[int]], list[bool]]:
    """Token ids of each text ([CLS] prompt text [SEP]), and whether each was cut; over `limit` tokens
    refused unless `truncate`. `names` say where each text is in the request, for the error message."""
    encoded = tokenizer.encode_within(list(texts), limit, truncate, prompt)
    names = names or field_names("texts", len(encoded))
    empty = tokenizer.length(prompt)  # [CLS] prompt [SEP]: a text that adds nothing to it has no tokens
    for (seq, length), where in zip(encoded, names):
        if length <= empty:
            raise ServiceError(ErrorKind.INVALID, f"{where} has no tokens once control characters are "
                               "removed: send visible text")
        if len(seq) > limit:
            counted = " with the model's prompt" if prompt else ""
            raise ServiceError(ErrorKind.INVALID, f"{where} is {length} tokens long{counted}, over the limit of "
                               f"{limit}: shorten it or send \"truncate\": true")
    return [seq for seq, _ in encoded], [len(seq) < length for seq, length in encoded]
