"""`simservice serve`: flags map to settings over SIMSERVICE_* variables; no TensorFlow at parse time."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from simservice.serving.commands import register, settings_from_args


def parse(argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_flags_override_environment(monkeypatch):
    monkeypatch.setenv("SIMSERVICE_PORT", "9100")
    monkeypatch.setenv("SIMSERVICE_MAX_BATCH_TOKENS", "4096")
    args = parse(["serve", "--model", "m", "--data-dir", "d", "--port", "9200", "--max-batch-size", "1",
                  "--api-key", "k", "--request-timeout", "2.5", "--no-warmup"])
    settings = settings_from_args(args)
    assert (settings.model, settings.data_dir, settings.port) == ("m", "d", 9200)
    assert settings.max_batch_tokens == 4096 and settings.max_batch_size == 1
    assert settings.api_key.get_secret_value() == "k" and settings.request_timeout == 2.5
    assert settings.warmup is False
    assert args.func.__name__ == "serve_command"


def test_defaults():
    settings = settings_from_args(parse(["serve"]))
    assert settings.model == "models/demo" and settings.host == "127.0.0.1" and settings.api_key is None


def test_bad_setting_is_refused(monkeypatch):
    monkeypatch.setenv("SIMSERVICE_MAX_BATCH_SIZE", "0")
    with pytest.raises(ValueError, match="max_batch_size"):
        settings_from_args(parse(["serve"]))


def test_missing_model_directory_is_a_clear_error(tmp_path):
    args = parse(["serve", "--model", str(tmp_path / "nope")])
    with pytest.raises(ValueError, match="does not exist"):
        args.func(args)


def test_register_does_not_import_tensorflow():
    code = ("import argparse, sys; from simservice.serving.commands import register; "
            "register(argparse.ArgumentParser().add_subparsers()); print('tensorflow' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_xla_and_precision(monkeypatch):
    assert settings_from_args(parse(["serve"])).xla is False
    assert settings_from_args(parse(["serve"])).precision == "float32"
    settings = settings_from_args(parse(["serve", "--xla", "--precision", "mixed_bfloat16"]))
    assert settings.xla is True and settings.precision == "mixed_bfloat16"
    monkeypatch.setenv("SIMSERVICE_PRECISION", "fp8")
    with pytest.raises(ValueError, match="precision"):
        settings_from_args(parse(["serve"]))


def test_int8_needs_xla(monkeypatch):
    settings = settings_from_args(parse(["serve", "--xla", "--precision", "int8"]))
    assert settings.precision == "int8" and settings.xla is True
    with pytest.raises(ValueError, match=r"precision int8 needs XLA \(--xla"):
        settings_from_args(parse(["serve", "--precision", "int8"]))
    monkeypatch.setenv("SIMSERVICE_PRECISION", "int8")
    with pytest.raises(ValueError, match="int8 needs XLA"):
        settings_from_args(parse(["serve"]))
    monkeypatch.setenv("SIMSERVICE_XLA", "true")
    assert settings_from_args(parse(["serve"])).precision == "int8"


def test_milvus_timeout_must_be_under_the_request_timeout():
    from pydantic import ValidationError

    from simservice.serving.settings import Settings

    with pytest.raises(ValidationError, match="milvus_timeout"):
        Settings(index_backend="milvus", milvus_timeout=30, request_timeout=30)
    assert Settings(index_backend="faiss", milvus_timeout=30, request_timeout=30).milvus_timeout == 30


def test_docs_and_cors_flags(monkeypatch):
    assert settings_from_args(parse(["serve"])).cors_origins == []
    settings = settings_from_args(parse(["serve", "--protect-docs", "--cors-origins", "https://a.example, http://b:3000"]))
    assert settings.protect_docs is True
    assert settings.cors_origins == ["https://a.example", "http://b:3000"]
    monkeypatch.setenv("SIMSERVICE_CORS_ORIGINS", '["https://c.example"]')
    assert settings_from_args(parse(["serve"])).cors_origins == ["https://c.example"]


def test_pooling_and_family_reach_the_settings():
    settings = settings_from_args(parse(["serve", "--pooling", "cls", "--family", "bert-embedding"]))
    assert (settings.pooling, settings.family) == ("cls", "bert-embedding")
    assert settings_from_args(parse(["serve"])).pooling is None


def test_a_port_in_use_is_refused_before_the_model_loads(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "simservice.cli", "serve", "--model", str(tmp_path),
                              "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"127.0.0.1:{port}" in run.stderr and "--port" in run.stderr
    assert "Traceback" not in run.stderr


def test_index_url_flag_and_the_deprecated_options(monkeypatch, caplog):
    monkeypatch.delenv("SIMSERVICE_DATA_DIR", raising=False)
    settings = settings_from_args(parse(["serve", "--index", "postgresql://u:pw@db/app?timeout=5"]))
    assert settings.index_url().backend == "pgvector" and "pw" not in repr(settings)
    assert not caplog.records
    settings = settings_from_args(parse(["serve", "--data-dir", "/srv/idx"]))
    assert settings.index_url().options == "/srv/idx"
    assert "--data-dir deprecated (removed in the next release): use --index faiss:///srv/idx" in caplog.text
    caplog.clear()
    settings = settings_from_args(parse(["serve", "--index-backend", "milvus", "--milvus-uri", "http://m:19530"]))
    assert settings.index_url().options.uri == "http://m:19530"
    assert "--index-backend, --milvus-uri deprecated" in caplog.text and "--index milvus://m:19530" in caplog.text
    caplog.clear()
    settings_from_args(parse(["serve", "--index", "memory://", "--data-dir", "x"]))
    assert "--data-dir ignored: --index (SIMSERVICE_INDEX) is set" in caplog.text
    monkeypatch.setenv("SIMSERVICE_INDEX", "nowhere")
    with pytest.raises(ValueError, match="index URL 'nowhere': expected one starting with faiss://"):
        settings_from_args(parse(["serve"]))


def test_a_server_index_answers_within_the_request_timeout():
    from pydantic import ValidationError

    from simservice.serving.settings import Settings

    with pytest.raises(ValidationError, match=r"the index's timeout \(30 s, the URL's timeout=\)"):
        Settings(index="postgresql://u:pw@db/app?timeout=30", request_timeout=30)
    assert Settings(index="postgresql://u:pw@db/app?timeout=29", request_timeout=30).index_url().timeout == 29
