"""The one token-limit policy, for every text the service encodes or generates from: each text's ids
([CLS] prompt text [SEP]) within a limit, cut to it (keeping [SEP]) only when asked, and why a text
cannot be used: nothing left once control characters are removed, or over the limit uncut. Callers
add the advice their users need (a request field, a command flag)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # importing the model package would start TensorFlow
    from simservice.model.tokenizer import Tokenizer

NO_TOKENS = "no tokens once control characters are removed"


@dataclasses.dataclass(frozen=True)
class Fitted:
    ids: list[int]
    length: int  # tokens before any cut
    problem: str | None  # why the text cannot be used, or None
    too_long: bool = False  # the problem is the limit (cutting would do)

    @property
    def cut(self) -> bool:
        return len(self.ids) < self.length

    def reason(self, to_cut: str) -> str | None:
        """The problem as a row's reason: over the limit says how to cut (`to_cut`: "pass --truncate")."""
        return f"{self.problem} ({to_cut} to cut)" if self.too_long else self.problem


def fit(tokenizer: "Tokenizer", texts: Sequence[str], limit: int, truncate: bool, prompt: str = "") -> list[Fitted]:
    """Each text fitted to `limit` tokens (with `prompt` in front, counted)."""
    empty = tokenizer.length(prompt)  # [CLS] prompt [SEP]: a text that adds nothing to it has no tokens
    counted = " with the model's prompt" if prompt else ""
    out = []
    for ids, length in tokenizer.encode_within(list(texts), limit, truncate, prompt):
        if length <= empty:
            out.append(Fitted(ids, length, NO_TOKENS))
        elif len(ids) > limit:
            out.append(Fitted(ids, length, f"{length} tokens{counted}, over the limit of {limit}", too_long=True))
        else:
            out.append(Fitted(ids, length, None))
    return out
