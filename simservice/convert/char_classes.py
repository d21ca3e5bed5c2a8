"""A character's class for vocabulary pruning: its script for letters and marks (the first
word of its Unicode name: CJK, LATIN, HANGUL...), else number, punctuation, symbol or other."""

from __future__ import annotations

import unicodedata

BY_CATEGORY = {"N": "number", "P": "punctuation", "S": "symbol"}
NON_LETTERS = set(BY_CATEGORY.values())


def char_class(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] in "LM":
        name = unicodedata.name(ch, "")
        return name.split(" ", 1)[0] if name else "letter"
    return BY_CATEGORY.get(category[0], "other")
