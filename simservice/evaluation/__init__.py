"""Similarity quality on labelled pair files: Spearman, ROC AUC and best-threshold accuracy of cosines.

Names are imported on first use, so reading pair files (as training does) loads no metrics code.
"""

import importlib

_HOMES = {
    "LabelledPairs": "pairs_file",
    "read_labelled_pairs": "pairs_file",
    "best_threshold_accuracy": "metrics",
    "roc_auc": "metrics",
    "spearman": "metrics",
    "PairScores": "report",
    "evaluate_file": "report",
    "evaluate_pairs": "report",
}

__all__ = sorted(_HOMES)


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(f"simservice.evaluation.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'simservice.evaluation' has no attribute {name!r}")
