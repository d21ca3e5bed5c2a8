"""Stream a URL into a file with a progress bar, hashing as it goes; network failures become
`OfflineError` / `DownloadError` with a one-line message instead of a traceback."""

from __future__ import annotations

import hashlib
import http.client
import socket
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from simservice.download.errors import DownloadError, OfflineError

CHUNK = 1 << 20


def fetch(url: str, dest: Path, *, timeout: float = 30.0, progress: bool | None = None) -> tuple[int, str]:
    """Write the body of `url` to `dest`; return (bytes, sha256 hex). A body shorter than the
    Content-Length the server announced is an error (a cut connection, not a small file)."""
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "simservice"}),
                                          timeout=timeout)
    except urllib.error.HTTPError as e:
        raise DownloadError(f"{url}: the server answered {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        raise OfflineError(f"cannot reach {url} ({_reason(e)}); check the network, "
                           "or point --base-url at a mirror") from None
    digest = hashlib.sha256()
    received = 0
    with response:
        announced = response.headers.get("Content-Length")
        total = int(announced) if announced and announced.isdigit() else None
        with open(dest, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                           desc=dest.name.removesuffix(".part"), disable=_disable(progress)) as bar:
            try:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, socket.timeout, http.client.HTTPException) as e:
                raise OfflineError(f"{url}: the connection broke after {received} bytes ({_reason(e)})") from None
    if total is not None and received != total:
        raise DownloadError(f"{url}: got {received} bytes of the {total} announced (the download was cut short)")
    return received, digest.hexdigest()


def _disable(progress: bool | None) -> bool | None:
    # tqdm's None means "only on a terminal"
    return None if progress is None else not progress


def _reason(e: BaseException) -> str:
    reason = getattr(e, "reason", None) or e
    return str(reason) or type(reason).__name__
