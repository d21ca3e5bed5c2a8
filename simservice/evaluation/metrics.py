"""Rank and threshold metrics of similarity scores against labels, in numpy alone (no scipy to install)."""

from __future__ import annotations

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks (scipy's rankdata 'average')."""
    _, inverse, counts = np.unique(np.asarray(values, dtype=np.float64), return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    return (last - (counts - 1) / 2.0)[inverse.reshape(-1)]


def spearman(scores: np.ndarray, labels: np.ndarray) -> float:
    """Spearman rank correlation (ties get average ranks), the STS convention; NaN when either
    side is constant (no correlation is defined)."""
    a, b = average_ranks(scores), average_ranks(labels)
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half.

    Mann-Whitney U from average ranks; labels must be 0/1 with both classes present.
    """
    scores, positive = np.asarray(scores, dtype=np.float64), _binary(labels)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")
    ranks = average_ranks(scores)
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def best_threshold_accuracy(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(accuracy, threshold) of the best rule `score >= threshold -> positive` over all cut points.

    Thresholds are the midpoints between distinct sorted scores, plus one below all and one
    above all, so tied scores always fall on the same side.
    """
    scores, positive = np.asarray(scores, dtype=np.float64), _binary(labels)
    order = np.argsort(scores, kind="stable")
    s, y = scores[order], positive[order]
    n = len(s)
    # Cut after index i (0..n): everything up to i is negative, the rest positive.
    negatives_below = np.concatenate([[0], np.cumsum(~y)])
    positives_above = int(y.sum()) - np.concatenate([[0], np.cumsum(y)])
    correct = negatives_below + positives_above
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = s[1:] > s[:-1]  # no cut between equal scores
    cut = int(np.argmax(np.where(valid, correct, -1)))
    if cut == 0:
        threshold = s[0] - 1.0
    elif cut == n:
        threshold = s[-1] + 1.0
    else:
        threshold = (s[cut - 1] + s[cut]) / 2
    return float(correct[cut] / n), float(threshold)


def _binary(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.float64)
    if not np.all(np.isin(labels, (0.0, 1.0))):
        raise ValueError("this metric needs 0/1 labels")
    return labels == 1.0
