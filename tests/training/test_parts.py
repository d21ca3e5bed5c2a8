"""The pieces of training on their own: batch plan, batches, vocabulary, losses (hand-computed)."""

import math

import numpy as np
import pytest
import tensorflow as tf

from simservice.model.tokenizer import Tokenizer
from simservice.training.batches import corrupt, mlm_rows, pair_rows
from simservice.training.data import read_triplets
from simservice.training.losses import cosent_loss, hard_negative_loss, in_batch_contrastive_loss
from simservice.training.plan import BatchPlan
from simservice.training.vocab import build_char_vocab


def test_plan_is_a_function_of_the_step_and_covers_each_example_once_per_epoch():
    lengths = [np.arange(40) % 7, np.arange(10)]
    plan = BatchPlan([40, 10], batch_size=8, seed=3, lengths=lengths)
    assert plan.batches_per_epoch == 5 + 1
    epoch = [plan.batch(s) for s in range(6)]
    seen = {g: np.concatenate([idx for grp, idx in epoch if grp == g]) for g in (0, 1)}
    assert sorted(seen[0]) == list(range(40))
    assert len(seen[1]) == 8 and len(set(seen[1])) == 8  # last incomplete batch of a group dropped
    again = BatchPlan([40, 10], batch_size=8, seed=3, lengths=lengths)
    for s in (7, 2, 11, 0):  # any order, e.g. after a resume
        assert again.batch(s)[0] == plan.batch(s)[0]
        np.testing.assert_array_equal(again.batch(s)[1], plan.batch(s)[1])
    assert not np.array_equal(plan.batch(0)[1], plan.batch(6)[1])  # a new shuffle each epoch


def test_pair_rows_put_the_target_in_segment_one_and_partners_side_by_side():
    batch = pair_rows([([2, 7, 8, 3], [2, 9, 3])])
    np.testing.assert_array_equal(batch["token_ids"][:, :6], [[2, 7, 8, 3, 9, 3], [2, 9, 3, 7, 8, 3]])
    np.testing.assert_array_equal(batch["segment_ids"][:, :6], [[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]])
    assert batch["token_ids"].shape[1] == 8 and not batch["padding_mask"][:, 6:].any()


def test_corrupt_masks_or_deletes_only_inner_tokens():
    ids = [2, *range(10, 210), 3]
    out = corrupt(ids, np.random.default_rng(0), mask_id=4, rate=0.5, delete_share=0.4)
    assert out[0] == 2 and out[-1] == 3
    inner = out[1:-1]
    kept = [t for t in inner if t != 4]
    assert kept == sorted(kept) and set(kept) < set(ids[1:-1])  # survivors keep their order
    deleted = 200 - len(inner)
    masked = inner.count(4)
    assert 20 < deleted < 60 and 40 < masked < 80  # about 200 * 0.5 * 0.4 and 200 * 0.5 * 0.6
    assert corrupt(ids, np.random.default_rng(0), mask_id=4, rate=0.0) == ids


def test_mlm_masks_only_regular_tokens():
    rng = np.random.default_rng(0)
    inputs, labels = mlm_rows([[2] + list(range(5, 45)) + [3]] * 4, rng, mask_id=4, special_ids=[0, 1, 2, 3, 4],
                              rate=0.5)
    chosen = labels >= 0
    assert chosen.any() and not chosen[:, 0].any() and not chosen[:, 41:].any()
    assert (inputs["token_ids"][chosen] == 4).mean() > 0.6


def test_char_vocab_spells_latin_words_and_drops_rare_characters():
    vocab = build_char_vocab(["我用iPhone", "我用电脑", "我"], min_count=2)
    assert list(vocab)[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert list(vocab)[5] == "我" and "用" in vocab and "电" not in vocab
    tokens = Tokenizer(build_char_vocab(["我用iPhone"], min_count=1)).tokenize("iphone我")
    assert tokens == ["i", "##p", "##h", "##o", "##n", "##e", "我"]


def test_contrastive_loss_by_hand():
    # Rows 0,1 are partners, 2,3 are partners; 2-D unit vectors with known cosines.
    v = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32)
    scale = 5.0
    # row 0: candidates 1 (cos 1), 2 (cos 0), 3 (cos 0); target 1
    expected = -math.log(math.exp(scale) / (math.exp(scale) + 2))
    assert float(in_batch_contrastive_loss(tf.constant(v), scale)) == pytest.approx(expected, rel=1e-5)


def test_cosent_loss_by_hand():
    a = np.array([[1, 0], [1, 0], [1, 0]], dtype=np.float32)
    b = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)  # cosines 1, 0, 0.6
    labels = np.array([2.0, 0.0, 1.0])
    scale = 2.0
    # ordered pairs (i above j): (0,1): cos 0 - 1; (0,2): 0.6 - 1; (2,1): 0 - 0.6
    expected = math.log(1 + math.exp(scale * -1) + math.exp(scale * -0.4) + math.exp(scale * -0.6))
    got = float(cosent_loss(tf.constant(a), tf.constant(b), tf.constant(labels), scale))
    assert got == pytest.approx(expected, rel=1e-5)


def test_simcse_batch_holds_each_sentence_twice_side_by_side():
    from simservice.training.tasks import SimCseTask

    task = SimCseTask([[2, 5, 3], [2, 6, 7, 3], [2, 8, 3], [2, 9, 9, 9, 3]], batch_size=2, seed=0)
    ids = task.batch(0)["token_ids"]
    assert ids.shape[0] == 4
    np.testing.assert_array_equal(ids[0::2], ids[1::2])
    assert not np.array_equal(ids[0], ids[2])


def test_hard_negative_loss_by_hand():
    a = np.array([[1, 0], [0, 1]], dtype=np.float32)
    p = np.array([[1, 0], [1, 0]], dtype=np.float32)  # anchor 1's positive is orthogonal to it
    n = np.array([[0, 1], [-1, 0]], dtype=np.float32)
    scale = 3.0
    # anchor 0: candidates p0 (cos 1), p1 (1), n0 (0), n1 (-1); target p0
    first = -math.log(math.exp(scale) / (2 * math.exp(scale) + 1 + math.exp(-scale)))
    # anchor 1: p0 (0), p1 (0), n0 (1), n1 (0); target p1
    second = -math.log(1 / (3 + math.exp(scale)))
    got = float(hard_negative_loss(tf.constant(a), tf.constant(p), tf.constant(n), scale))
    assert got == pytest.approx((first + second) / 2, rel=1e-5)


def test_triplets_pair_each_positive_of_an_anchor_with_its_negatives_in_turn(tmp_path):
    path = tmp_path / "pairs.tsv"
    rows = [("q", "p1", 1), ("q", "n1", 0), ("q", "p2", 1), ("q", "p3", 1), ("q", "n2", 0),
            ("only-positive", "x", 1), ("only-negative", "y", 0), ("q", "q", 1)]
    path.write_text("sentence1\tsentence2\tlabel\n" + "".join(f"{a}\t{b}\t{y}\n" for a, b, y in rows))
    assert read_triplets([path]) == [("q", "p1", "n1"), ("q", "p2", "n2"), ("q", "p3", "n1")]
    sts = tmp_path / "sts.tsv"
    sts.write_text("sentence1\tsentence2\tscore\na\tclose\t4.5\na\tmiddle\t3\na\tfar\t0.5\n")
    assert read_triplets([sts]) == [("a", "close", "far")]


def test_labelled_groups_split_a_file_by_its_source_column(tmp_path):
    from simservice.training.data import read_labelled_groups

    mixed = tmp_path / "pairs.tsv"
    rows = [("a", "b", 1, "qm"), ("c", "d", 0, "nli"), ("e", "f", 0, "qm"), ("g", "h", 1, "nli"), ("i", "j", 1, "pos")]
    mixed.write_text("sentence1\tsentence2\tlabel\tsource\n" + "".join(f"{a}\t{b}\t{y}\t{s}\n" for a, b, y, s in rows))
    sts = tmp_path / "sts.tsv"
    sts.write_text("sentence1\tsentence2\tscore\nk\tl\t4.5\nm\tn\t1\n")
    groups = {g.name: g for g in read_labelled_groups([mixed, sts])}
    assert sorted(groups) == ["pairs:nli", "pairs:pos", "pairs:qm", "sts"]
    assert groups["pairs:qm"].first == ["a", "e"] and groups["pairs:qm"].labels.tolist() == [1.0, 0.0]
    assert groups["pairs:nli"].second == ["d", "h"] and groups["pairs:nli"].labels.tolist() == [0.0, 1.0]
    assert groups["sts"].labels.tolist() == [4.5, 1.0]


def test_cosent_groups_are_the_sources_with_more_than_one_label(tmp_path):
    from simservice.training.run import build
    from tests.training.helpers import tiny_options

    pairs = tmp_path / "mixed.tsv"
    lines = [f"问{i}\t答{i}\t{i % 2}\t{'qm' if i < 12 else 'nli'}\n" for i in range(20)]
    lines += [f"正{i}\t好{i}\t1\tpos\n" for i in range(8)]
    pairs.write_text("sentence1\tsentence2\tlabel\tsource\n" + "".join(lines), encoding="utf-8")
    options = tiny_options(tmp_path, objectives=("cosent",), labelled=(pairs,), steps=1)
    trainer, _, _ = build(options)
    task = trainer.tasks[0]
    assert [len(labels) for _, _, labels in task.groups] == [12, 8]  # qm, nli; pos has one label only
    assert {task.plan.batch(step)[0] for step in range(6)} == {0, 1}


def test_cosent_order_accuracy_counts_the_ranked_pairs_in_order():
    from simservice.training.losses import cosent_order_accuracy

    a = np.array([[1, 0], [1, 0], [1, 0]], dtype=np.float32)
    b = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)  # cosines 1, 0, 0.6
    labels = np.array([0.0, 2.0, 1.0])  # ordered pairs (1,0) wrong, (1,2) wrong, (2,0) wrong
    assert float(cosent_order_accuracy(tf.constant(a), tf.constant(b), tf.constant(labels))) == 0.0
    labels = np.array([2.0, 0.0, 1.0])
    assert float(cosent_order_accuracy(tf.constant(a), tf.constant(b), tf.constant(labels))) == 1.0
