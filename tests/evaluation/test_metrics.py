"""`simservice eval`: the metrics on hand-computed cases, and a made-up labelled file end to end."""

import json
import math

import numpy as np
import pytest

from simservice.evaluation import best_threshold_accuracy, evaluate_file, read_labelled_pairs, roc_auc, spearman

# Five binary pairs. Positives score {0.9, 0.7, 0.6}, negatives {0.8, 0.3}:
#   AUC: of the 6 (positive, negative) pairs, 4 are ordered right -> 4/6.
#   Best cut: between 0.3 and 0.6 (threshold 0.45) gets 4 of 5 right.
#   Spearman: score ranks [5,4,3,2,1]; label ranks with ties [4,1.5,4,4,1.5] -> r = 2.5 / sqrt(10 * 7.5).
SCORES = [0.9, 0.8, 0.7, 0.6, 0.3]
LABELS = [1, 0, 1, 1, 0]
SPEARMAN = 2.5 / math.sqrt(75)


def test_spearman_auc_accuracy_by_hand():
    assert spearman(np.array(SCORES), np.array(LABELS)) == pytest.approx(SPEARMAN)
    assert roc_auc(np.array(SCORES), np.array(LABELS)) == pytest.approx(4 / 6)
    accuracy, threshold = best_threshold_accuracy(np.array(SCORES), np.array(LABELS))
    assert accuracy == pytest.approx(0.8)
    assert threshold == pytest.approx(0.45)


def test_graded_labels_spearman():
    # score ranks [1,3,2,4] vs label ranks [1,2,3,4]: sum d^2 = 2 -> 1 - 6*2/(4*15) = 0.8
    assert spearman(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 2, 3, 5])) == pytest.approx(0.8)


def test_ties_count_half_and_never_split():
    assert roc_auc(np.array([0.5, 0.5]), np.array([1, 0])) == pytest.approx(0.5)
    # Equal scores must land on the same side: best is "all positive" (2 of 3), not a cut inside the tie.
    accuracy, threshold = best_threshold_accuracy(np.array([0.5, 0.5, 0.5]), np.array([1, 0, 1]))
    assert accuracy == pytest.approx(2 / 3)
    assert threshold < 0.5


def test_perfect_and_inverted_rankings():
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([0.1, 0.2, 0.3, 0.4]), labels) == 1.0
    assert roc_auc(np.array([0.4, 0.3, 0.2, 0.1]), labels) == 0.0
    assert best_threshold_accuracy(np.array([0.1, 0.2, 0.3, 0.4]), labels)[0] == 1.0


def test_binary_metrics_refuse_graded_labels():
    with pytest.raises(ValueError):
        roc_auc(np.array([0.1, 0.2]), np.array([0, 3]))


def _write(path, rows, label_name="label"):
    path.write_text(f"sentence1\tsentence2\t{label_name}\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows),
                    encoding="utf-8")


def test_made_up_file_end_to_end(tmp_path):
    """Each pair's second sentence gets a vector at cosine SCORES[i] to its first: the file's metrics are the hand ones."""
    rows = [(f"问{i}", f"答{i}", y) for i, y in enumerate(LABELS)]
    path = tmp_path / "made_up.tsv"
    _write(path, rows)
    vectors = {}
    for i, s in enumerate(SCORES):
        vectors[f"问{i}"] = np.array([1.0, 0.0])
        vectors[f"答{i}"] = np.array([s, math.sqrt(1 - s * s)])

    result = evaluate_file(path, lambda texts: np.stack([vectors[t] for t in texts]))
    assert result.name == "made_up" and result.pairs == 5
    assert result.spearman == pytest.approx(SPEARMAN)
    assert result.auc == pytest.approx(4 / 6)
    assert result.accuracy == pytest.approx(0.8)
    assert json.loads(json.dumps(result.as_dict()))["threshold"] == pytest.approx(0.45)


def test_sts_file_has_no_binary_metrics(tmp_path):
    path = tmp_path / "sts.tsv"
    _write(path, [("甲", "乙", 0), ("丙", "丁", 2.5), ("戊", "己", 5)], label_name="score")
    pairs = read_labelled_pairs(path)
    assert not pairs.is_binary and list(pairs.labels) == [0, 2.5, 5]
    vectors = {"甲": [1, 0], "乙": [0, 1], "丙": [1, 0], "丁": [0.6, 0.8], "戊": [1, 0], "己": [1, 0]}
    result = evaluate_file(path, lambda texts: np.array([vectors[t] for t in texts], dtype=float))
    assert result.spearman == pytest.approx(1.0)
    assert result.auc is None and "auc" not in result.as_dict()


def test_bad_file_names_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("sentence1\tsentence2\tlabel\na\tb\t1\nc\td\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:3"):
        read_labelled_pairs(path)
