"""Shared fixtures: paths of the committed reference checkpoints and goldens, tiny models."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from tests.paths import FIXTURES  # noqa: E402

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
