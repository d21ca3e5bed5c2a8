"""One process per collection: an exclusive `flock` on `<collection>/LOCK`, held while the store is open."""

from __future__ import annotations

import fcntl
import os

from ..errors import BackendUnavailable

LOCK_FILE = "LOCK"


def lock_directory(directory: str) -> int:
    """The open, locked LOCK file of `directory`; BackendUnavailable if another process holds it."""
    fd = os.open(os.path.join(directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BackendUnavailable(
            f"{directory} is open in another process: one process may serve a collection"
        ) from None
    return fd


def unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
