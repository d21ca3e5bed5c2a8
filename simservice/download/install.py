"""`download()`: fetch a release into `<models_dir>/<name>` atomically.

Everything happens in a staging directory inside `models_dir` (same file system, so the final
rename is atomic): download, verify, unpack, check the checkpoint files; only a complete,
verified directory is renamed into place, and the staging directory is always removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from simservice.download.archive import require_files, unpack_zip
from simservice.download.errors import DownloadError
from simservice.download.fetch_url import fetch
from simservice.download.hub import fetch_hub
from simservice.download.registry import (BASE_URL_ENV, DEFAULT_BASE_URL, HF_FILES, HF_TOKENIZERS, HF_WEIGHTS,
                                          TF1_FILES, Release, lookup)


def download(name: str, models_dir: str | Path = "models", *, base_url: str | None = None,
             hf_endpoint: str | None = None, sha256: str | None = None, force: bool = False,
             progress: bool | None = None, releases: dict[str, Release] | None = None) -> Path:
    """Install release `name` as `<models_dir>/<release name>` and return that path, which
    `simservice.load_model` takes. An existing directory is kept unless `force`. `sha256`
    pins the archive's checksum when the registry has none."""
    release = lookup(name, releases)
    models_dir = Path(models_dir)
    target = models_dir / release.name
    if target.exists() and not force:
        raise DownloadError(f"{target} already exists: use it, or pass --force to download it again")
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".download-{release.name}-", dir=models_dir))
    try:
        unpacked = staging / release.name
        if release.source == "zip":
            _fetch_zip(release, staging, unpacked, base_url, sha256 or release.sha256, progress)
        else:
            fetch_hub(release, unpacked, endpoint=hf_endpoint)
            check_hf_dir(unpacked, release)
        _replace(unpacked, target, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch_zip(release: Release, staging: Path, unpacked: Path, base_url: str | None, sha256: str | None,
               progress: bool | None) -> None:
    url = release.url(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    archive = staging / (release.filename + ".part")
    size, digest = fetch(url, archive, progress=progress)
    if release.size is not None and size != release.size:
        raise DownloadError(f"{url}: {size} bytes, expected {release.size}")
    if sha256 is not None and digest != sha256.lower():
        raise DownloadError(f"{url}: sha256 {digest} does not match the expected {sha256.lower()}")
    unpack_zip(archive, unpacked)
    archive.unlink()
    check_tf1_dir(unpacked, release)


def check_tf1_dir(directory: Path, release: Release) -> None:
    """The files of an official TF1 checkpoint, and a config whose shape matches the name."""
    require_files(directory, TF1_FILES, release.name)
    try:
        config = json.loads((directory / "bert_config.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise DownloadError(f"{release.name}: bert_config.json is not valid JSON ({e})") from None
    expected = release.shape()
    found = (config.get("num_hidden_layers"), config.get("hidden_size"))
    if expected is not None and found != expected:
        raise DownloadError(f"{release.name}: bert_config.json has {found[0]} layers of width {found[1]}, "
                            f"the name says {expected[0]} of {expected[1]}")


def check_hf_dir(directory: Path, release: Release) -> None:
    """config.json, a tokenizer (vocab.txt or tokenizer.json) and one weights file, as
    `find_checkpoint` expects of a Hugging Face checkpoint."""
    require_files(directory, HF_FILES, release.name)
    if not any((directory / name).is_file() for name in HF_TOKENIZERS):
        raise DownloadError(f"{release.name}: the hub copy has neither {' nor '.join(HF_TOKENIZERS)}")
    if not any((directory / weights).is_file() for weights in HF_WEIGHTS):
        raise DownloadError(f"{release.name}: the hub copy has neither {' nor '.join(HF_WEIGHTS)}")


def _replace(new: Path, target: Path, staging: Path) -> None:
    """Rename `new` to `target`; an old `target` is moved into staging first (and removed with it)."""
    if target.exists():
        target.rename(staging / "previous")
    new.rename(target)
