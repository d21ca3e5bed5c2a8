"""A character vocabulary built from the training text, in the form the BERT WordPiece tokenizer reads.

Every CJK character is its own token; other words (Latin letters, digits) are spelled as a
first character plus `##`-continuations, so they tokenize into characters instead of [UNK].
"""

from __future__ import annotations

import collections
from typing import Iterable

from simservice.model.tokenizer import CLS, MASK, PAD, SEP, UNK, Tokenizer

SPECIALS = (PAD, UNK, CLS, SEP, MASK)


def _provisional_vocab(texts: list[str]) -> dict[str, int]:
    """Every character seen (lower-cased), with and without `##`, so the tokenizer gives no [UNK]."""
    chars = sorted({c for text in texts for c in text.lower() if not c.isspace()})
    tokens = [*SPECIALS, *chars, *("##" + c for c in chars)]
    return {t: i for i, t in enumerate(tokens)}


def count_pieces(texts: Iterable[str]) -> collections.Counter:
    """Frequencies of the word pieces the tokenizer makes of `texts` with a full character vocab."""
    texts = list(texts)
    tokenizer = Tokenizer(_provisional_vocab(texts))
    counts: collections.Counter = collections.Counter()
    for start in range(0, len(texts), 4096):
        for text in texts[start:start + 4096]:
            counts.update(tokenizer.tokenize(text))
    return counts


def build_char_vocab(texts: Iterable[str], min_count: int = 2) -> dict[str, int]:
    """Specials, then pieces seen at least `min_count` times, most frequent first (ties by text)."""
    counts = count_pieces(texts)
    counts.pop(UNK, None)
    kept = sorted((t for t, n in counts.items() if n >= min_count and t not in SPECIALS),
                  key=lambda t: (-counts[t], t))
    return {t: i for i, t in enumerate([*SPECIALS, *kept])}
