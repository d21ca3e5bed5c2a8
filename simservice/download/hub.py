"""Fetch a Hugging Face port with `huggingface_hub.snapshot_download`, only the files a
checkpoint needs, into a staging directory; connection failures become `OfflineError`."""

from __future__ import annotations

import shutil
from pathlib import Path

from simservice.download.errors import DownloadError, OfflineError
from simservice.download.registry import HF_FILES, HF_SENTENCE_FILES, HF_TOKENIZERS, HF_WEIGHTS, Release

ALLOW_PATTERNS = [*HF_FILES, *HF_TOKENIZERS, *HF_WEIGHTS, *HF_SENTENCE_FILES]


def fetch_hub(release: Release, dest: Path, *, endpoint: str | None = None) -> None:
    """Download `release.repo_id` into `dest` (a new directory inside a staging directory).
    `endpoint` overrides the hub URL (huggingface_hub also reads HF_ENDPOINT). The hub's
    bookkeeping (`.cache/` in `dest`, the lock cache next to it) is removed afterwards."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    cache = dest.with_name(dest.name + ".hub-cache")
    try:
        snapshot_download(release.repo_id, local_dir=dest, cache_dir=cache, endpoint=endpoint,
                          allow_patterns=ALLOW_PATTERNS, max_workers=2)
    except LocalEntryNotFoundError:
        # what snapshot_download raises when it cannot connect at all
        raise OfflineError(f"cannot reach the Hugging Face hub for {release.repo_id}; check the network, "
                           "or set --hf-endpoint (or HF_ENDPOINT) to a mirror") from None
    except (RepositoryNotFoundError, RevisionNotFoundError) as e:
        raise DownloadError(f"{release.repo_id}: not found on the hub ({type(e).__name__})") from None
    except HfHubHTTPError as e:
        raise DownloadError(f"{release.repo_id}: the hub answered an error ({e})") from None
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(dest / ".cache", ignore_errors=True)
