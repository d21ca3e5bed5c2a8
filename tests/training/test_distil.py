"""Distillation: the teacher's vectors are computed once, cached in the work directory, read back on resume;
the loss is 1 - cosine and vanishes when the student is the teacher."""

import math

import numpy as np
import pytest
import tensorflow as tf

from simservice.training.losses import distil_loss
from simservice.training.run import build
from simservice.training.teacher import CACHE_FILE, sample_sentences
from tests.paths import FIXTURES
from tests.training.helpers import tiny_options

E5 = FIXTURES / "families" / "e5"


def test_distil_loss_by_hand():
    student = np.array([[2, 0], [0, 1]], dtype=np.float32)
    teacher = np.array([[1, 0], [1, 1]], dtype=np.float32)
    expected = ((1 - 1) + (1 - 1 / math.sqrt(2))) / 2
    assert float(distil_loss(tf.constant(student), tf.constant(teacher))) == pytest.approx(expected, rel=1e-5)


def test_sample_is_distinct_and_a_function_of_the_seed():
    texts = [f"句子{i % 50}" for i in range(200)] + [""]
    first = sample_sentences(texts, 10, seed=3)
    assert len(set(first)) == 10 and "" not in first and first == sample_sentences(texts, 10, seed=3)
    assert sample_sentences(texts, 1000, seed=3) == sorted(set(texts) - {""})


def test_teacher_vectors_are_cached_and_match_the_student_cut_from_it(tmp_path, monkeypatch):
    options = tiny_options(tmp_path, init=E5, objectives=("simbert", "distil"), steps=1, dropout=0.0,
                           distil_limit=16)
    trainer, _, _ = build(options)
    task = next(t for t in trainer.tasks if t.name == "distil")
    assert len(task.sentences) == 16 and (options.work_dir / CACHE_FILE).exists()
    # the student is the whole teacher here, so the loss is 0 up to float16 storage and the prompt
    loss = float(task.loss(trainer.model, task.batch(0), training=False)[0])
    assert 0.0 <= loss < 0.05

    def no_teacher(*args, **kwargs):
        raise AssertionError("the teacher ran again instead of the cache being read")

    monkeypatch.setattr("simservice.model.loader.load_checkpoint", no_teacher)
    again, _, _ = build(options)
    cached = next(t for t in again.tasks if t.name == "distil")
    np.testing.assert_array_equal(cached.targets, task.targets)
    assert np.isfinite(again.step(0)["distil"])


def test_distil_needs_a_teacher(tmp_path):
    with pytest.raises(ValueError, match="teacher"):
        tiny_options(tmp_path, objectives=("distil",))
