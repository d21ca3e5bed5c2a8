"""bench/gpu.sh runs end to end: on a machine without a GPU it says so and runs its CPU mode."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from tests.paths import ROOT


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU machine runs the full bench")
def test_gpu_bench_falls_back_to_the_cpu_and_prints_both_tables():
    done = subprocess.run([str(ROOT / "bench" / "gpu.sh")], capture_output=True, text=True, timeout=240,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no NVIDIA GPU here" in done.stdout
    assert "| encode, fp32 |" in done.stdout and "cached vs uncached" in done.stdout
    assert "| /paraphrase | batched |" in done.stdout
