"""Shared fixtures: paths of the committed reference checkpoints and goldens, tiny models."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The service's default precision is auto (measured per machine): tests compare vectors across routes,
# processes and clients to 1e-6, so they serve in float32 unless a test asks for another.
os.environ.setdefault("SIMSERVICE_PRECISION", "float32")

import pytest  # noqa: E402

from tests.paths import FIXTURES  # noqa: E402

# The end-to-end suites, marked `slow` (with every `milvus` test): `pytest -m "not slow"` leaves them
# out for a quicker check while working; CI and `scripts/test` without -m run everything.
SLOW = {
    "tests/serving/api/test_playground.py", "tests/serving/api/test_playground_data.py",
    "tests/serving/api/test_playground_access.py",  # a real browser
    "tests/serving/api/test_openapi_property.py",  # schemathesis over every route
    "tests/training/test_train.py", "tests/training/test_switches.py", "tests/training/test_init_embedding.py",
    "tests/model_export/test_onnx.py", "tests/model_export/test_savedmodel.py",
    "tests/inference/test_background_compiles.py", "tests/test_bench_gpu.py",
}


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).resolve().parent.parent
    for item in items:
        if item.get_closest_marker("milvus") or Path(item.fspath).resolve().relative_to(root).as_posix() in SLOW:
            item.add_marker(pytest.mark.slow)

@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def roformer():
    from simservice import load_model

    return load_model(FIXTURES / "roformer_tf1")


@pytest.fixture(scope="session")
def roformer_int8():
    """The RoFormer fixture with int8 weights (which need XLA)."""
    from simservice import load_model

    return load_model(FIXTURES / "roformer_tf1", precision="int8", jit_compile=True)


@pytest.fixture(scope="session")
def bert():
    from simservice import load_model

    return load_model(FIXTURES / "bert_tf1")
