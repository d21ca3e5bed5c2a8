"""Broken checkpoint directories give a clear error naming the file, the variable and the shapes."""

import json
import logging
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tests.paths import FIXTURES
from simservice import load_model
from simservice.model import CheckpointError
from simservice.model.checkpoint_writer import write_tensors


def _copy(tmp_path, name="roformer_tf1"):
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def _rewrite(directory, change):
    """Rewrite the TF1 checkpoint of `directory` with `change(arrays)` applied."""
    prefix = directory / "bert_model.ckpt"
    reader = tf.train.load_checkpoint(str(prefix))
    arrays = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}
    change(arrays)
    for f in directory.glob("bert_model.ckpt.*"):
        f.unlink()
    write_tensors(prefix, arrays)


@pytest.mark.parametrize("missing", ["vocab.txt", "bert_config.json", "bert_model.ckpt.index",
                                     "bert_model.ckpt.data-00000-of-00001"])
def test_missing_file(tmp_path, missing):
    directory = _copy(tmp_path)
    (directory / missing).unlink()
    with pytest.raises(CheckpointError) as err:
        load_model(directory)
    message = str(err.value)
    assert str(directory) in message
    assert missing.split(".")[0] in message or "config.json" in message


def test_not_a_directory(tmp_path):
    with pytest.raises(CheckpointError, match="not a directory"):
        load_model(tmp_path / "nothing-here")


def test_missing_variable(tmp_path):
    directory = _copy(tmp_path)
    _rewrite(directory, lambda a: a.pop("bert/encoder/layer_1/attention/self/key/bias"))
    with pytest.raises(CheckpointError) as err:
        load_model(directory)
    message = str(err.value)
    assert "bert_model.ckpt" in message
    assert "bert/encoder/layer_1/attention/self/key/bias" in message
    assert "backbone/layer_1/attention/key/bias" in message and "(64,)" in message


def test_shape_mismatch_names_both_shapes(tmp_path):
    directory = _copy(tmp_path)

    def widen(arrays):
        arrays["bert/pooler/dense/kernel"] = np.zeros((64, 65), np.float32)

    _rewrite(directory, widen)
    with pytest.raises(CheckpointError) as err:
        load_model(directory)
    message = str(err.value)
    assert "bert/pooler/dense/kernel" in message and "(64, 65)" in message and "(64, 64)" in message


def test_vocab_size_disagrees_with_config(tmp_path):
    directory = _copy(tmp_path)
    with open(directory / "vocab.txt", "a", encoding="utf-8") as f:
        f.write("多余\n")
    with pytest.raises(CheckpointError, match=r"vocab\.txt.*tokens.*vocab_size="):
        load_model(directory)


def test_embedding_rows_disagree_with_config(tmp_path):
    directory = _copy(tmp_path)
    config = json.loads((directory / "bert_config.json").read_text())
    config["vocab_size"] += 1
    (directory / "bert_config.json").write_text(json.dumps(config))
    with open(directory / "vocab.txt", "a", encoding="utf-8") as f:
        f.write("多余\n")
    with pytest.raises(CheckpointError, match="bert/embeddings/word_embeddings"):
        load_model(directory)


def test_nan_weights_are_refused(tmp_path):
    directory = _copy(tmp_path)

    def poison(arrays):
        arrays["bert/pooler/dense/bias"][3] = np.nan

    _rewrite(directory, poison)
    with pytest.raises(CheckpointError, match="NaN"):
        load_model(directory)


def test_extra_variables_are_ignored_with_one_log_line(tmp_path, caplog):
    directory = _copy(tmp_path)

    def add_extras(arrays):
        arrays["global_step"] = np.array(7, np.int64)
        arrays["bert/pooler/dense/kernel/adam_m"] = np.zeros((64, 64), np.float32)
        arrays["cls/seq_relationship/output_weights"] = np.zeros((2, 64), np.float32)

    _rewrite(directory, add_extras)
    with caplog.at_level(logging.INFO, logger="simservice.model.loader"):
        model = load_model(directory)
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == 1 and "3 checkpoint variables" in ignored[0].getMessage()
    reference = load_model(FIXTURES / "roformer_tf1")
    assert np.array_equal(model.encode(["你好"]), reference.encode(["你好"]))


def test_architecture_is_detected_and_can_be_forced():
    assert load_model(FIXTURES / "roformer_tf1").config.architecture == "roformer"
    assert load_model(FIXTURES / "bert_tf1").config.architecture == "bert"
    # Forcing BERT on a RoFormer checkpoint: its position embeddings are missing.
    with pytest.raises(CheckpointError, match="bert/embeddings/position_embeddings"):
        load_model(FIXTURES / "roformer_tf1", architecture="bert")


def test_corrupt_index_file(tmp_path):
    directory = _copy(tmp_path)
    (directory / "bert_model.ckpt.index").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read TF1 checkpoint"):
        load_model(directory)


def test_hf_directory_without_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(CheckpointError, match="neither model.safetensors nor pytorch_model.bin"):
        load_model(tmp_path)


def test_failed_load_assigns_nothing(tmp_path):
    """Errors are raised before any variable is assigned (no half-loaded model)."""
    from simservice.model.loader import assign_weights
    from simservice.model.checkpoint_files import TF1Source
    from simservice.model.weight_map import tf1_table

    directory = _copy(tmp_path)
    _rewrite(directory, lambda a: a.pop("cls/predictions/output_bias"))
    model = load_model(FIXTURES / "roformer_tf1").model
    before = [w.numpy().copy() for w in model.weights]
    with pytest.raises(CheckpointError):
        assign_weights(tf1_table(model), TF1Source(directory / "bert_model.ckpt"))
    assert all(np.array_equal(b, w.numpy()) for b, w in zip(before, model.weights))
