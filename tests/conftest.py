"""Shared fixtures: paths of the committed reference checkpoints and goldens, tiny models."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "golden"


def golden(name: str) -> dict:
    with open(GOLDEN / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def roformer():
    from simservice import load_model

    return load_model(FIXTURES / "roformer_tf1")


@pytest.fixture(scope="session")
def bert():
    from simservice import load_model

    return load_model(FIXTURES / "bert_tf1")
