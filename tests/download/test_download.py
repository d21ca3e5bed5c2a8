"""`simservice download` of official zips, offline: archives built from the tiny TF1 fixture
and served by http.server on 127.0.0.1; never the real URLs."""

from __future__ import annotations

import argparse
import hashlib
import http.server
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from simservice.download import DownloadError, OfflineError, Release, download
from simservice.download import commands as download_commands
from simservice.download import registry
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "roformer_tf1"
NAME = "tiny_roformer-sim_L-2_H-64_A-4"  # the shape in the name matches the fixture's config
TINY = {NAME: Release(NAME, "zip", "tiny test release")}


def build_zip(path: Path, top: str | None = NAME, skip: tuple[str, ...] = (), extra: dict | None = None) -> Path:
    """A release-style zip of the fixture checkpoint, under folder `top` (None: no folder)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(FIXTURE.iterdir()):
            if file.name not in skip:
                zf.write(file, f"{top}/{file.name}" if top else file.name)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the test's directory; /short.zip announces more bytes than it sends."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.endswith("/short.zip"):
            body = b"PK\x03\x04" + b"x" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture
def served(tmp_path):
    """(directory served, base URL) on an ephemeral loopback port."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             lambda *a, **k: Handler(*a, directory=str(root), **k))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/releases"
    server.shutdown()
    server.server_close()


@pytest.fixture
def www(served):
    root, base = served
    (root / "releases").mkdir()
    return root / "releases", base


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    download_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["download", *argv])
    return args.func(args)


def leftovers(models: Path) -> list[str]:
    return [p.name for p in models.iterdir() if p.name.startswith(".")] if models.exists() else []


def test_good_archive_is_unpacked_flat(www, tmp_path):
    build_zip(www[0] / f"{NAME}.zip")
    models = tmp_path / "models"
    path = download(NAME, models, base_url=www[1], releases=TINY, progress=False)
    assert path == models / NAME
    assert sorted(p.name for p in path.iterdir()) == sorted(p.name for p in FIXTURE.iterdir())
    assert (path / "vocab.txt").read_bytes() == (FIXTURE / "vocab.txt").read_bytes()
    assert leftovers(models) == []


def test_unpacked_release_loads_and_matches_fixture(www, tmp_path, roformer):
    import numpy as np

    from simservice import load_model

    build_zip(www[0] / f"{NAME}.zip")
    path = download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)
    texts = ["今天天气不错", "明天会下雨吗"]
    np.testing.assert_allclose(load_model(path).encode(texts), roformer.encode(texts), atol=1e-6)


def test_archive_without_top_folder_and_junk(www, tmp_path):
    build_zip(www[0] / f"{NAME}.zip", top=None, extra={"__MACOSX/._vocab.txt": b"junk"})
    path = download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)
    assert (path / "bert_model.ckpt.index").is_file()
    assert not (path / "__MACOSX").exists()


def test_corrupt_archive_installs_nothing(www, tmp_path):
    archive = build_zip(www[0] / f"{NAME}.zip")
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2  # inside the compressed checkpoint data
    data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    archive.write_bytes(bytes(data))
    models = tmp_path / "models"
    with pytest.raises(DownloadError, match="CRC"):
        download(NAME, models, base_url=www[1], releases=TINY, progress=False)
    assert not (models / NAME).exists()
    assert leftovers(models) == []


def test_not_a_zip(www, tmp_path):
    (www[0] / f"{NAME}.zip").write_text("<html>a proxy's error page</html>")
    with pytest.raises(DownloadError, match="not a readable zip"):
        download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)


def test_checksum_mismatch_and_match(www, tmp_path):
    archive = build_zip(www[0] / f"{NAME}.zip")
    models = tmp_path / "models"
    with pytest.raises(DownloadError, match="sha256 .* does not match"):
        download(NAME, models, base_url=www[1], releases=TINY, sha256="0" * 64, progress=False)
    assert not (models / NAME).exists() and leftovers(models) == []
    good = hashlib.sha256(archive.read_bytes()).hexdigest()
    pinned = {NAME: Release(NAME, "zip", "pinned", sha256=good, size=archive.stat().st_size)}
    assert download(NAME, models, base_url=www[1], releases=pinned, progress=False).is_dir()


def test_size_mismatch(www, tmp_path):
    archive = build_zip(www[0] / f"{NAME}.zip")
    sized = {NAME: Release(NAME, "zip", "sized", size=archive.stat().st_size + 1)}
    with pytest.raises(DownloadError, match="bytes, expected"):
        download(NAME, tmp_path / "models", base_url=www[1], releases=sized, progress=False)


def test_cut_short_download(www, tmp_path):
    short = {"short": Release("short", "zip", "announces more than it sends")}
    with pytest.raises(DownloadError, match="cut short|connection broke"):
        download("short", tmp_path / "models", base_url=www[1], releases=short, progress=False)


def test_archive_missing_vocab(www, tmp_path):
    build_zip(www[0] / f"{NAME}.zip", skip=("vocab.txt",))
    with pytest.raises(DownloadError, match="missing vocab.txt"):
        download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)


def test_config_shape_must_match_name(www, tmp_path):
    wrong = "tiny_L-12_H-768_A-12"
    build_zip(www[0] / f"{wrong}.zip", top=wrong)
    with pytest.raises(DownloadError, match="2 layers of width 64, the name says 12 of 768"):
        download(wrong, tmp_path / "models", base_url=www[1], releases={wrong: Release(wrong, "zip", "")},
                 progress=False)


def test_member_escaping_the_target_is_refused(www, tmp_path):
    build_zip(www[0] / f"{NAME}.zip", top=None, extra={"../evil.txt": b"x"})
    with pytest.raises(DownloadError, match="outside the archive"):
        download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)
    assert not (tmp_path / "evil.txt").exists()


def test_existing_directory_is_kept_unless_force(www, tmp_path):
    build_zip(www[0] / f"{NAME}.zip")
    models = tmp_path / "models"
    (models / NAME).mkdir(parents=True)
    (models / NAME / "mine.txt").write_text("keep")
    with pytest.raises(DownloadError, match="already exists"):
        download(NAME, models, base_url=www[1], releases=TINY, progress=False)
    assert (models / NAME / "mine.txt").exists()
    download(NAME, models, base_url=www[1], releases=TINY, force=True, progress=False)
    assert not (models / NAME / "mine.txt").exists() and (models / NAME / "vocab.txt").exists()
    assert leftovers(models) == []


def test_unknown_name(tmp_path, capsys):
    with pytest.raises(DownloadError, match="unknown model 'nope'"):
        download("nope", tmp_path)
    assert run_cli("nope", "--dir", str(tmp_path)) == download_commands.EXIT_FAILED
    err = capsys.readouterr().err
    assert "unknown model 'nope'" in err and "Traceback" not in err


def test_http_404(www, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        download(NAME, tmp_path / "models", base_url=www[1], releases=TINY, progress=False)


def test_no_network(tmp_path, capsys, monkeypatch):
    base = f"http://127.0.0.1:{closed_port()}/releases"
    models = tmp_path / "models"
    with pytest.raises(OfflineError, match="cannot reach"):
        download(NAME, models, base_url=base, releases=TINY, progress=False)
    assert leftovers(models) == []
    monkeypatch.setitem(registry.RELEASES, NAME, TINY[NAME])
    assert run_cli(NAME, "--dir", str(models), "--base-url", base) == download_commands.EXIT_OFFLINE
    err = capsys.readouterr().err
    assert "offline?" in err and "Traceback" not in err and not (models / NAME).exists()


def test_cli_downloads_through_the_mirror_env(www, tmp_path, capsys, monkeypatch):
    build_zip(www[0] / f"{NAME}.zip")
    monkeypatch.setitem(registry.RELEASES, NAME, TINY[NAME])
    monkeypatch.setenv(registry.BASE_URL_ENV, www[1])
    assert run_cli(NAME, "--dir", str(tmp_path / "models")) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "models" / NAME)


def test_list_names_every_release(capsys):
    assert run_cli("--list") == 0
    out = capsys.readouterr().out
    for name in ("chinese_roformer-sim-char-ft_L-6_H-384_A-6", "chinese_simbert_L-4_H-312_A-12",
                 "junnyu/roformer_chinese_sim_char_ft_base"):
        assert name in out


def test_registry_names_and_urls():
    zips = {r.name for r in registry.RELEASES.values() if r.source == "zip"}
    assert zips == {
        "chinese_roformer-sim-char_L-12_H-768_A-12", "chinese_roformer-sim-char_L-6_H-384_A-6",
        "chinese_roformer-sim-char-ft_L-12_H-768_A-12", "chinese_roformer-sim-char-ft_L-6_H-384_A-6",
        "chinese_simbert_L-12_H-768_A-12", "chinese_simbert_L-6_H-384_A-12", "chinese_simbert_L-4_H-312_A-12",
    }
    release = registry.RELEASES["chinese_simbert_L-4_H-312_A-12"]
    assert release.url("http://mirror/x/") == "http://mirror/x/chinese_simbert_L-4_H-312_A-12.zip"
    assert release.shape() == (4, 312)
