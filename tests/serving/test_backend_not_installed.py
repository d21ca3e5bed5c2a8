"""A backend whose client library cannot be imported stops `simservice serve` at start with
what to install; it used to serve with /ready "not ready" forever. The case of the field:
pymilvus 2.3.7 imports setuptools' pkg_resources, which setuptools 70 removed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.paths import FIXTURES, ROOT

from simservice.index import require_client

WITHOUT_PKG_RESOURCES = """
import sys

class NoPkgResources:  # as with setuptools >= 70
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pkg_resources":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoPkgResources())
from simservice.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_serve_fails_at_start_saying_what_to_install(tmp_path):
    argv = ["serve", "--index-backend", "milvus", "--model", str(FIXTURES / "roformer_tf1"), "--port", "0",
            "--data-dir", str(tmp_path), "--milvus-uri", "http://127.0.0.1:9"]
    done = subprocess.run([sys.executable, "-c", WITHOUT_PKG_RESOURCES, *argv], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("simservice serve: index backend 'milvus' needs pymilvus"), last
    assert "pkg_resources" in last and "pip install 'simservice[milvus]'" in last and "setuptools<70" in last


def test_installed_clients_import_and_the_milvus_extra_keeps_them_importable():
    for backend in ("faiss", "numpy", "milvus"):
        require_client(backend)  # raises BackendNotInstalled otherwise
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {"pymilvus==2.3.7", "setuptools<70", "marshmallow<4"} <= set(extras["milvus"])
