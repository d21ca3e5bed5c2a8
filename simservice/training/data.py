"""Training material from files: positive pairs, labelled pair groups (one per file), plain sentences."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np

from simservice.evaluation.pairs_file import read_labelled_pairs


@dataclasses.dataclass(frozen=True)
class LabelledGroup:
    """Pairs of one file with their labels; CoSENT only compares labels within a group."""

    name: str
    first: list[str]
    second: list[str]
    labels: np.ndarray


def read_positive_pairs(paths: Sequence[str | Path], min_score: float = 4.0) -> list[tuple[str, str]]:
    """Pairs labelled 1 (binary files) or scored >= `min_score` (STS files), without exact duplicates."""
    pairs: dict[tuple[str, str], None] = {}
    for path in paths:
        data = read_labelled_pairs(path)
        cut = 1.0 if data.is_binary else min_score
        for a, b, label in zip(data.first, data.second, data.labels):
            if label >= cut and a and b and a != b:
                pairs.setdefault((a, b), None)
    return list(pairs)


def read_triplets(paths: Sequence[str | Path], min_score: float = 4.0,
                  max_score: float = 1.0) -> list[tuple[str, str, str]]:
    """(anchor, positive, hard negative): a `sentence1` paired both with a positive and a negative in one file.

    Positives are label 1 (STS: score >= `min_score`), negatives label 0 (STS: <= `max_score`).
    An anchor with several positives gets one triplet each, its negatives taken in turn.
    """
    triplets: dict[tuple[str, str, str], None] = {}
    for path in paths:
        data = read_labelled_pairs(path)
        high, low = (1.0, 0.0) if data.is_binary else (min_score, max_score)
        partners: dict[str, tuple[list[str], list[str]]] = {}
        for a, b, label in zip(data.first, data.second, data.labels):
            if a and b and a != b and (label >= high or label <= low):
                partners.setdefault(a, ([], []))[0 if label >= high else 1].append(b)
        for anchor, (positives, negatives) in partners.items():
            for i, positive in enumerate(positives if negatives else ()):
                triplets.setdefault((anchor, positive, negatives[i % len(negatives)]), None)
    return list(triplets)


def read_labelled_groups(paths: Sequence[str | Path]) -> list[LabelledGroup]:
    """One group per file, or per value of its `source` column when it has one: a file that concatenates
    several data sets (question matching, NLI, ...) holds labels that mean different things, and a
    CoSENT batch must only rank pairs whose labels compare."""
    groups = []
    for path in paths:
        data = read_labelled_pairs(path)
        sources = data.extra.get("source")
        if sources is None:
            groups.append(LabelledGroup(Path(path).stem, data.first, data.second, data.labels))
            continue
        rows: dict[str, list[int]] = {}
        for i, source in enumerate(sources):
            rows.setdefault(source, []).append(i)
        for source, index in rows.items():
            groups.append(LabelledGroup(f"{Path(path).stem}:{source}", [data.first[i] for i in index],
                                        [data.second[i] for i in index], data.labels[index]))
    return groups


def read_sentences(paths: Sequence[str | Path]) -> list[str]:
    """One sentence a line; blank lines dropped."""
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out.extend(line.strip() for line in f if line.strip())
    return out
