"""`mine-pairs`: nearest neighbours above a threshold, each pair once, no punctuation-only copies;
the file it writes is read back by training as positives."""

import numpy as np
import pytest

from simservice.cli import main
from simservice.training.data import read_positive_pairs
from simservice.training.mining import distinct, letters, mine, write_pairs


def unit(rows):
    x = np.asarray(rows, np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_letters_and_distinct_ignore_punctuation_spaces_and_case():
    assert letters("怎么 开通花呗？") == letters("怎么开通花呗") == "怎么开通花呗"
    assert letters("ＯＰＰＯ手机!") == letters("oppo手机")
    assert distinct(["怎么开通花呗？", "怎么开通花呗", "", "  ", "花呗怎么开通"]) == ["怎么开通花呗？", "花呗怎么开通"]


def test_pairs_above_the_threshold_once_each_best_first():
    texts = ["怎么开通花呗", "花呗怎么开通", "如何开通花呗呢", "今天天气很好", "怎么开通花呗！"]
    vectors = unit([[1, 0.0, 0], [1, 0.1, 0], [1, 0.3, 0], [0, 0, 1], [1, 0.0, 0.001]])
    pairs = mine(texts, vectors, threshold=0.9, neighbours=4, min_edit=2)
    found = [(p.first, p.second) for p in pairs]
    assert ("怎么开通花呗", "花呗怎么开通") in found and ("怎么开通花呗", "如何开通花呗呢") in found
    assert not any("今天天气很好" in pair for pair in found)  # below the threshold
    assert ("怎么开通花呗", "怎么开通花呗！") not in found  # punctuation only: a copy
    assert len(found) == len(set(found)) and not any((b, a) in found for a, b in found)
    cosines = [p.cosine for p in pairs]
    assert cosines == sorted(cosines, reverse=True) and min(cosines) >= 0.9
    assert mine(texts, vectors, threshold=0.999, neighbours=4) == []  # only the punctuation copy is that close
    with pytest.raises(ValueError, match="5 texts but 2 vectors"):
        mine(texts, vectors[:2])


def test_the_written_file_is_read_back_as_positives(tmp_path):
    texts = ["怎么开通花呗", "花呗\t怎么开通", "今天天气很好"]
    pairs = mine(texts, unit([[1, 0], [1, 0.05], [0, 1]]), threshold=0.9)
    path = write_pairs(pairs, tmp_path / "mined.tsv")
    assert read_positive_pairs([path]) == [("怎么开通花呗", "花呗 怎么开通")]


def test_the_command_mines_with_a_model(tmp_path, capsys):
    from tests.paths import FIXTURES

    sentences = tmp_path / "s.txt"
    sentences.write_text("怎么开通花呗\n花呗怎么开通\n怎么开通花呗？\n\n今天下雨吗\n", encoding="utf-8")
    out = tmp_path / "mined.tsv"
    assert main(["mine-pairs", "--model", str(FIXTURES / "families" / "e5"), "--sentences", str(sentences),
                 "-o", str(out), "--threshold", "-1", "--neighbours", "2"]) == 0
    printed = capsys.readouterr().out
    assert "from 3 distinct sentences" in printed
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "sentence1\tsentence2\tlabel\tcosine\tsource" and len(lines) >= 2
    for flag, value in (("--threshold", "2"), ("--neighbours", "0"), ("--min-edit", "-1"), ("--limit", "0")):
        with pytest.raises(SystemExit) as exited:
            main(["mine-pairs", "--sentences", str(sentences), "-o", str(out), flag, value])
        assert exited.value.code == 2 and flag in capsys.readouterr().err
