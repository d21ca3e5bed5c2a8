"""`simservice download` of the Hugging Face ports: snapshot_download is replaced by a copy of
the tiny HF fixture (no hub is contacted), and a closed loopback port stands for no network."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from simservice.download import DownloadError, OfflineError, download
from simservice.download import hub
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "roformer_hf"
REPO = "junnyu/roformer_chinese_sim_char_small"


def fake_snapshot(calls: list, files=("config.json", "vocab.txt", "model.safetensors"), fixture=FIXTURE):
    """A snapshot_download that copies `files` of `fixture` and leaves hub bookkeeping behind."""

    def snapshot_download(repo_id, *, local_dir, cache_dir, endpoint, allow_patterns, **kwargs):
        calls.append({"repo_id": repo_id, "endpoint": endpoint, "allow_patterns": allow_patterns})
        Path(local_dir, ".cache", "huggingface").mkdir(parents=True)
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        for name in files:
            Path(local_dir, name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(fixture / name, Path(local_dir) / name)
        return str(local_dir)

    return snapshot_download


def test_port_is_fetched_and_cleaned(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot(calls))
    models = tmp_path / "models"
    path = download(REPO, models, hf_endpoint="http://127.0.0.1:1")
    assert path == models / "roformer_chinese_sim_char_small"
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors", "vocab.txt"]
    assert calls == [{"repo_id": REPO, "endpoint": "http://127.0.0.1:1", "allow_patterns": hub.ALLOW_PATTERNS}]
    assert sorted(p.name for p in models.iterdir()) == ["roformer_chinese_sim_char_small"]


def test_port_without_weights_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot([], files=("config.json", "vocab.txt")))
    with pytest.raises(DownloadError, match="neither model.safetensors nor pytorch_model.bin"):
        download("roformer_chinese_sim_char_small", tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


E5_FILES = ("config.json", "tokenizer.json", "model.safetensors", "modules.json", "1_Pooling/config.json",
            "config_sentence_transformers.json", "sentence_bert_config.json")


def test_an_embedding_model_comes_with_its_tokenizer_json_and_sentence_transformers_files(tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.snapshot_download",
                        fake_snapshot([], files=E5_FILES, fixture=FIXTURES / "families" / "e5"))
    path = download("intfloat/multilingual-e5-small", tmp_path / "models")
    assert sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()) == sorted(E5_FILES)
    for name in E5_FILES:
        assert any(Path(name).match(pattern) for pattern in hub.ALLOW_PATTERNS), name


def test_a_hub_copy_without_any_tokenizer_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.snapshot_download",
                        fake_snapshot([], files=("config.json", "model.safetensors")))
    with pytest.raises(DownloadError, match="neither vocab.txt nor tokenizer.json"):
        download("roformer_chinese_sim_char_small", tmp_path / "models")


def test_hub_unreachable(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OfflineError, match="cannot reach the Hugging Face hub"):
        download(REPO, tmp_path / "models", hf_endpoint=f"http://127.0.0.1:{port}")
    assert list((tmp_path / "models").iterdir()) == []
