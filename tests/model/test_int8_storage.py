"""int8 storage of a checkpoint's matrices (`int8_storage`, `export-model --format hf --dtype int8`):
the error per value is bounded by its block's scale, the loader reads it back as float32, and a bad
file is a clear CheckpointError."""

import numpy as np
import pytest

from simservice.model import int8_storage
from simservice.model.checkpoint_files import SafetensorsSource
from simservice.model.errors import CheckpointError
from simservice.model.int8_storage import SCALE_SUFFIX, dequantize_rows, quantize_rows, quantize_tensors

TEXTS = ["怎么办理手机？", "如何办理护照", "今天下雨", "信用卡丢了怎么办", "query and passage, English too"]


def test_each_value_is_within_half_a_step_of_its_block():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 96)).astype(np.float32) * np.array([1e-3, 1.0, 30.0])[:, None].repeat(2, 0)
    a[2, 32:64] = 0.0  # an all-zero block
    a[3, 5] = 50.0  # an outlier only widens its own block
    q, scale = quantize_rows(a)
    assert q.dtype == np.int8 and scale.dtype == np.float16 and scale.shape == (6, 3)
    back = dequantize_rows(q, scale)
    step = np.repeat(scale.astype(np.float32), 32, axis=1)
    assert np.all(np.abs(back - a) <= step / 2 + 1e-7)
    np.testing.assert_array_equal(back[2, 32:64], 0.0)
    assert scale[3, 0] > 10 * scale[3, 1]


def test_a_row_not_a_multiple_of_the_block_is_one_block():
    a = np.arange(2 * 50, dtype=np.float32).reshape(2, 50) - 40
    q, scale = quantize_rows(a)
    assert scale.shape == (2, 1)
    assert np.abs(dequantize_rows(q, scale) - a).max() <= scale.astype(np.float32).max() / 2


def test_only_large_matrices_are_quantized():
    big, small, vector = np.ones((512, 256), np.float32), np.ones((8, 8), np.float32), np.ones(512, np.float32)
    out = quantize_tensors({"big": big, "small": small, "bias": vector})
    assert out["big"].dtype == np.int8 and ("big" + SCALE_SUFFIX) in out
    assert out["small"].dtype == np.float16 and out["bias"].dtype == np.float16
    assert set(out) == {"big", "big" + SCALE_SUFFIX, "small", "bias"}


def test_scales_that_do_not_fit_the_matrix_are_refused(tmp_path):
    from safetensors.numpy import save_file

    with pytest.raises(ValueError, match="do not match"):
        dequantize_rows(np.zeros((4, 64), np.int8), np.ones((3, 2), np.float16))
    with pytest.raises(ValueError, match="do not match"):
        dequantize_rows(np.zeros((4, 64), np.int8), np.ones((4, 3), np.float16))
    path = tmp_path / "model.safetensors"
    save_file({"w": np.zeros((4, 64), np.int8), "w" + SCALE_SUFFIX: np.ones((4, 5), np.float16)}, str(path))
    source = SafetensorsSource(path)
    assert source.names() == {"w"}  # the scales are part of "w", not a tensor of their own
    with pytest.raises(CheckpointError, match="w: int8 matrix"):
        source.get("w")


def test_an_int8_export_serves_the_same_vectors_and_paraphrases(tmp_path, capsys, monkeypatch):
    """Through the CLI; the tiny fixture's matrices are all quantized (no size threshold)."""
    from simservice.cli import main
    from simservice.inference.load_pipeline import load_model
    from tests.paths import FIXTURES
    from tests.training.helpers import tiny_options
    from simservice.training.run import train

    monkeypatch.setattr(int8_storage, "MIN_ELEMENTS", 1)
    model = train(tiny_options(tmp_path / "run", init=FIXTURES / "families" / "e5", steps=2))
    capsys.readouterr()
    assert main(["export-model", "--model", str(model), "--format", "hf", "--dtype", "int8",
                 "-o", str(tmp_path / "int8")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "int8")
    stored = SafetensorsSource(tmp_path / "int8" / "model.safetensors")
    kernels = [n for n in stored.names() if n.endswith(".weight") and len(stored.shape(n)) == 2]
    assert kernels and all(stored._file.get_tensor(n).dtype == np.int8 for n in kernels)

    exact, small = load_model(model), load_model(tmp_path / "int8")
    a, b = exact.encode(TEXTS), small.encode(TEXTS)
    assert np.min(np.sum(a * b, axis=1)) > 0.9999
    for text in TEXTS[:3]:
        [(mine, my_score)] = small.paraphrase(text, n=1, k=1, sampler="greedy", max_length=8)
        [(theirs, their_score)] = exact.paraphrase(text, n=1, k=1, sampler="greedy", max_length=8)
        assert mine == theirs and my_score == pytest.approx(their_score, abs=1e-3)


def test_dtype_is_only_for_the_hf_format(tmp_path, capsys):
    from simservice.cli import main
    from tests.model_export.support import MODELS

    assert main(["export-model", "--model", str(MODELS["roformer"]), "--format", "onnx", "--dtype", "int8",
                 "-o", str(tmp_path / "out")]) == 2
    assert "--dtype" in capsys.readouterr().err
    assert main(["export-model", "--model", str(MODELS["roformer"]), "--format", "hf", "-o", str(tmp_path / "o")]) == 2
    assert "linear pooler" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()
