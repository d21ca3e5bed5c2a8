"""Score labelled pair files with a loaded model: cosine of the two sentence vectors, then the metrics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from simservice.evaluation.metrics import best_threshold_accuracy, roc_auc, spearman
from simservice.evaluation.pairs_file import LabelledPairs, read_labelled_pairs


@dataclasses.dataclass(frozen=True)
class PairScores:
    """Metrics of one file; AUC, accuracy and threshold only for binary labels."""

    name: str
    pairs: int
    spearman: float
    auc: float | None = None
    accuracy: float | None = None
    threshold: float | None = None

    def as_dict(self) -> dict:
        """The metrics that exist; NaN (labels all equal: no rank correlation) becomes null, as JSON allows."""
        return {k: None if isinstance(v, float) and v != v else v
                for k, v in dataclasses.asdict(self).items() if v is not None}

    def line(self) -> str:
        text = f"{self.name}\tpairs={self.pairs}\tspearman={self.spearman:.4f}"
        if self.auc is not None:
            text += f"\tauc={self.auc:.4f}\taccuracy={self.accuracy:.4f}\tthreshold={self.threshold:.4f}"
        return text


def evaluate_pairs(name: str, pairs: LabelledPairs, encode) -> PairScores:
    """`encode(texts) -> unit vectors`; each pair's score is the dot product of its two vectors."""
    texts = list(dict.fromkeys([*pairs.first, *pairs.second]))  # encode each distinct sentence once
    vectors = encode(texts)
    row = {text: i for i, text in enumerate(texts)}
    a = vectors[[row[t] for t in pairs.first]]
    b = vectors[[row[t] for t in pairs.second]]
    cosines = np.sum(a * b, axis=1)
    return scores_of(name, cosines, pairs.labels)


def scores_of(name: str, cosines: np.ndarray, labels: np.ndarray) -> PairScores:
    result = PairScores(name, len(labels), spearman(cosines, labels))
    if np.all(np.isin(labels, (0.0, 1.0))) and 0 < labels.sum() < len(labels):
        accuracy, threshold = best_threshold_accuracy(cosines, labels)
        result = dataclasses.replace(result, auc=roc_auc(cosines, labels), accuracy=accuracy, threshold=threshold)
    return result


def evaluate_file(path: str | Path, encode) -> PairScores:
    return evaluate_pairs(Path(path).stem, read_labelled_pairs(path), encode)
