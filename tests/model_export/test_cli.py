"""`simservice export-model`: bad input gives one clear line and exit status 2; --force replaces."""

from __future__ import annotations

import pytest

from simservice.cli import main
from tests.model_export.support import MODELS


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["export-model", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simservice export-model: "), err
    for needle in needles:
        assert needle in lines[0]


def test_a_directory_that_is_not_a_model(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = run(capsys, "--model", tmp_path, "--format", "onnx", "-o", tmp_path / "out")
    assert_one_line_error(code, err, str(tmp_path), "bert_config.json", "config.json")
    assert not (tmp_path / "out").exists()


def test_a_model_directory_that_does_not_exist(tmp_path, capsys):
    code, _, err = run(capsys, "--model", tmp_path / "missing", "--format", "savedmodel", "-o", tmp_path / "out")
    assert_one_line_error(code, err, "not a directory")


def test_an_unsupported_format(tmp_path, capsys):
    code, _, err = run(capsys, "--model", MODELS["roformer"], "--format", "tflite", "-o", tmp_path / "out")
    assert_one_line_error(code, err, "'tflite'", "savedmodel", "onnx")


def test_an_existing_output_is_kept_unless_forced(tmp_path, capsys):
    out = tmp_path / "export"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "--model", MODELS["roformer"], "--format", "savedmodel", "-o", out)
    assert_one_line_error(code, err, str(out), "--force")
    assert (out / "keep.txt").read_text() == "mine"

    code, printed, _ = run(capsys, "--model", MODELS["roformer"], "--format", "savedmodel", "-o", out, "--force")
    assert code == 0 and printed.strip() == str(out)
    assert not (out / "keep.txt").exists()
    assert {p.name for p in out.iterdir()} >= {"saved_model.pb", "variables", "vocab.txt", "model.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging directory left


@pytest.mark.parametrize("output", ["the model directory", "its parent"])
def test_force_never_deletes_the_model_directory(tmp_path, capsys, output):
    import shutil

    model = tmp_path / "models" / "tiny"
    shutil.copytree(MODELS["roformer"], model)
    out = model if output == "the model directory" else model.parent
    code, _, err = run(capsys, "--model", model, "--format", "onnx", "-o", out, "--force")
    assert_one_line_error(code, err, "would delete it")
    assert (model / "bert_model.ckpt.index").exists()
