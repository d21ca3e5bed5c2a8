"""The best checkpoint of a run is kept apart from the latest (training's `keep_if_best`)."""

import json

from simservice.training.run import keep_if_best


def _export(path, text):
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.safetensors").write_text(text)
    return path


def test_best_is_kept_and_survives_a_worse_checkpoint(tmp_path):
    work, export = tmp_path / "work", tmp_path / "export"
    work.mkdir()
    assert keep_if_best(work, _export(export, "step 10"), 10, {"lcqmc": 0.60, "stsb": 0.70})
    assert keep_if_best(work, _export(export, "step 20"), 20, {"lcqmc": 0.62, "stsb": 0.72})
    assert not keep_if_best(work, _export(export, "step 30"), 30, {"lcqmc": 0.70, "stsb": 0.60})  # mean 0.65 < 0.67
    assert (work / "best" / "model.safetensors").read_text() == "step 20"
    record = json.loads((work / "best.json").read_text())
    assert record["step"] == 20 and abs(record["mean"] - 0.67) < 1e-9
    assert not (work / "best.tmp").exists()


def test_a_resumed_run_compares_with_the_best_before_the_stop(tmp_path):
    work, export = tmp_path / "work", tmp_path / "export"
    work.mkdir()
    keep_if_best(work, _export(export, "first"), 5, {"stsb": 0.8})
    # a new process (resume) reads best.json, not any memory of the first
    assert not keep_if_best(work, _export(export, "second"), 6, {"stsb": 0.79})
    assert keep_if_best(work, _export(export, "third"), 7, {"stsb": 0.81})
    assert (work / "best" / "model.safetensors").read_text() == "third"
