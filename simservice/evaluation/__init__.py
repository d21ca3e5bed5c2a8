"""Similarity quality on labelled pair files: Spearman, ROC AUC and best-threshold accuracy of cosines."""

from simservice.evaluation.metrics import best_threshold_accuracy, roc_auc, spearman
from simservice.evaluation.pairs_file import LabelledPairs, read_labelled_pairs
from simservice.evaluation.report import PairScores, evaluate_file, evaluate_pairs

__all__ = [
    "LabelledPairs",
    "PairScores",
    "best_threshold_accuracy",
    "evaluate_file",
    "evaluate_pairs",
    "read_labelled_pairs",
    "roc_auc",
    "spearman",
]
