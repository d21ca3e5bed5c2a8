"""Checks of a call that need limits or the tokenizer: how many texts, how many samples, how many tokens."""

from __future__ import annotations

from typing import Sequence

from simservice.model.tokenizer import Tokenizer
from simservice.service.errors import ErrorKind, ServiceError
from simservice.token_limit import fit


def check_count(count: int, limit: int, what: str = "texts") -> None:
    if count > limit:
        raise ServiceError(ErrorKind.INVALID, f"{count} {what} in one request is over the limit of {limit}: "
                           "split them over several requests")


def check_samples(n: int, k: int, limit: int) -> None:
    """The one check of a paraphrase call's n (samples drawn) and k (kept): 1 <= k <= n <= limit."""
    if n < 1 or k < 1:
        raise ServiceError(ErrorKind.INVALID, f"n={n}, k={k}: both must be at least 1")
    if k > n:
        raise ServiceError(ErrorKind.INVALID, f"k={k} is more than n={n}: ask for at most n paraphrases")
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
    refused unless `truncate` (token_limit.py). `names` say where each text is in the request."""
    fitted = fit(tokenizer, texts, limit, truncate, prompt)
    for text, where in zip(fitted, names or field_names("texts", len(fitted))):
        if text.problem:
            said = (f'{where} is {text.problem}: shorten it or send "truncate": true' if text.too_long
                    else f"{where} has {text.problem}: send visible text")
            raise ServiceError(ErrorKind.INVALID, said)
    return [text.ids for text in fitted], [text.cut for text in fitted]
