"""Index URLs: each form names its backend and options, bad ones are refused with a message, and
the registry builds every backend, Postgres included, from its URL."""

from __future__ import annotations

import pytest
from tests.pg_server import fresh_schema

from simservice.index import FaissCollections, InvalidArgument, MilvusOptions, NumpyCollections, open_index
from simservice.index import parse_index_url as parse


@pytest.mark.parametrize("url, backend, options, shown", [
    (None, "faiss", "data/index", "faiss://data/index"),
    ("faiss://", "faiss", "data/index", "faiss://data/index"),
    ("faiss:///srv/index", "faiss", "/srv/index", "faiss:///srv/index"),
    ("faiss://rel/index", "faiss", "rel/index", "faiss://rel/index"),
    ("memory://", "numpy", None, "memory://"),
    ("milvus://m:19530", "milvus", MilvusOptions("http://m:19530"), "milvus://m:19530"),
    ("milvus+https://u:pw@m:443?prefix=a_&timeout=3", "milvus",
     MilvusOptions("https://m:443", "u:pw", "a_", 3.0), "milvus+https://m:443"),
])
def test_each_url_names_a_backend(url, backend, options, shown):
    target = parse(url, data_dir="data/index")
    assert (target.backend, target.options, target.shown) == (backend, options, shown)


def test_postgres_urls_keep_libpq_parameters_and_hide_the_password():
    target = parse("postgresql://app:s3cret@db:5432/corpus?sslmode=require&schema=replica_a&timeout=4")
    assert target.backend == "pgvector" and target.timeout == 4.0
    assert (target.options.uri, target.options.schema) == ("postgresql://app:s3cret@db:5432/corpus?sslmode=require",
                                                           "replica_a")
    assert target.shown == "postgresql://app@db:5432/corpus" and "s3cret" not in repr(target.shown)


def test_milvus_options_come_from_the_settings_unless_the_url_says():
    base = MilvusOptions(token="t", prefix="p_", timeout=7.0)
    assert parse("milvus://h:1", milvus=base).options == MilvusOptions("http://h:1", "t", "p_", 7.0)


@pytest.mark.parametrize("url, words", [
    ("data/index", "expected one starting with faiss://"),
    ("sqlite:///x", "expected one starting with"),
    ("milvus://h:1?prefx=a", "unknown parameter 'prefx'"),
    ("postgresql://h/db?timeout=0", "timeout='0' is not a positive number"),
    ("milvus://h:99999", "malformed"),
])
def test_bad_urls_are_refused(url, words):
    with pytest.raises(InvalidArgument, match=words):
        parse(url)


def test_the_registry_builds_each_backend(tmp_path, pg_uri):
    assert isinstance(open_index(f"faiss://{tmp_path}/idx"), FaissCollections)
    assert isinstance(open_index("memory://"), NumpyCollections)
    socket_dir = pg_uri.split("host=", 1)[1]
    manager = open_index(f"postgresql://postgres@/postgres?host={socket_dir}&schema={fresh_schema()}&timeout=5")
    assert manager.backend == "pgvector" and manager.list() == []
    manager.close()


def test_no_backend_imports_the_registry():
    import pathlib

    index = pathlib.Path(__file__).parents[2] / "simservice" / "index"
    for path in index.rglob("*.py"):
        if path.name not in ("registry.py", "__init__.py") or path.parent != index:
            assert "registry" not in path.read_text(), path
