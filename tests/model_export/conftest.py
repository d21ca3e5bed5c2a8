"""Exports of the fixture checkpoints and the demo model, made once per session and shared by the tests."""

from __future__ import annotations

import pytest

from tests.model_export.support import MODELS


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """exported(model, fmt) -> the directory `export_model` wrote (each pair exported once)."""
    from simservice.model_export.export import export_model

    done = {}

    def export(model: str, fmt: str):
        if (model, fmt) not in done:
            out = tmp_path_factory.mktemp(f"{model}-{fmt}") / "1"
            done[model, fmt] = export_model(MODELS[model], fmt, out)
        return done[model, fmt]

    return export


@pytest.fixture(scope="session")
def pipelines():
    """pipelines(model) -> the `SimPipeline` of MODELS[model], loaded once."""
    from simservice import load_model

    loaded = {}

    def get(model: str):
        if model not in loaded:
            loaded[model] = load_model(MODELS[model])
        return loaded[model]

    return get
