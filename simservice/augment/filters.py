"""The filters that keep augmentation clean: cosine window, edit distance, length ratio, and
no duplicates across the whole output. Each dropped paraphrase is counted under its filter."""

from __future__ import annotations

import collections
import dataclasses

from rapidfuzz.distance import Levenshtein


@dataclasses.dataclass(frozen=True)
class Filters:
    min_score: float = -1.0  # cosine to the source at least this
    max_score: float = 1.0  # and at most this (near-copies score close to 1)
    min_edit: int = 1  # characters changed at least this (1: not the source itself)
    min_length_ratio: float = 0.0  # len(paraphrase) / len(source) within this window
    max_length_ratio: float = float("inf")
    dedupe: bool = True  # each paraphrase once in the whole output

    def __post_init__(self) -> None:
        if not -1.0 <= self.min_score <= self.max_score <= 1.0:
            raise ValueError("need -1 <= --min-score <= --max-score <= 1")
        if self.min_edit < 0 or not 0 <= self.min_length_ratio <= self.max_length_ratio:
            raise ValueError("need --min-edit >= 0 and 0 <= the length-ratio window's low end <= its high end")


class Keeper:
    """Applies Filters row by row; remembers what was kept (for dedupe) and why others were dropped."""

    def __init__(self, filters: Filters, seen: set[str] | None = None):
        self.filters = filters
        self.seen = seen if seen is not None else set()
        self.dropped: collections.Counter[str] = collections.Counter()

    def reason_to_drop(self, source: str, text: str, score: float) -> str | None:
        f = self.filters
        if score < f.min_score:
            return "min_score"
        if score > f.max_score:
            return "max_score"
        if Levenshtein.distance(source, text) < f.min_edit:
            return "min_edit"
        if not f.min_length_ratio <= len(text) / max(1, len(source)) <= f.max_length_ratio:
            return "length_ratio"
        if f.dedupe and text in self.seen:
            return "duplicate"
        return None

    def keep(self, source: str, candidates: list[tuple], k: int) -> list[tuple]:
        """The best k candidates (text, score, ... given best first) that pass every filter."""
        kept = []
        for candidate in candidates:
            text, score = candidate[:2]
            if len(kept) == k:
                break
            reason = self.reason_to_drop(source, text, score)
            if reason:
                self.dropped[reason] += 1
                continue
            kept.append(candidate)
            if self.filters.dedupe:
                self.seen.add(text)
        return kept
