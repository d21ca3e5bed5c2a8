"""Writing a directory all at once: into a temporary directory beside it, renamed into place at
the end, so that a crash never leaves half a checkpoint."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simservice.convert.errors import ConvertError


def check_target(out: Path, force: bool) -> None:
    """Refuse a file, or a directory with something in it unless `force`."""
    if out.is_file() or out.is_symlink():
        raise ConvertError(f"{out} is a file, not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConvertError(f"{out} exists and is not empty: pass --force to replace it")


@contextmanager
def staged_directory(out: Path, force: bool) -> Iterator[Path]:
    """A temporary directory that becomes `out` (replacing it) when the block ends without error."""
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide the checkpoint from other users
        yield staging
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            out.rename(old / out.name)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
