"""Check and unpack a release zip: every member's CRC, no member escaping the target, and the
files a checkpoint needs, moved up out of the archive's single top folder."""

from __future__ import annotations

import fnmatch
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from simservice.download.errors import DownloadError


def unpack_zip(archive: Path, dest: Path) -> None:
    """Unpack `archive` into the new directory `dest`, flattening one top folder
    (`chinese_simbert_L-4_H-312_A-12/vocab.txt` -> `dest/vocab.txt`)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise DownloadError(f"{archive.name}: member {bad} is corrupt (CRC mismatch)")
            members = [m for m in zf.infolist() if not m.is_dir() and not _is_junk(m.filename)]
            prefix = _common_top_folder([m.filename for m in members])
            dest.mkdir()
            for member in members:
                relative = PurePosixPath(member.filename[len(prefix):])
                if relative.is_absolute() or ".." in relative.parts:
                    raise DownloadError(f"{archive.name}: member {member.filename} points outside the archive")
                target = dest.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as e:
        raise DownloadError(f"{archive.name}: not a readable zip archive ({e})") from None


def require_files(directory: Path, patterns: tuple[str, ...], what: str) -> None:
    """Each pattern must match a file directly in `directory`."""
    names = [p.name for p in directory.iterdir() if p.is_file()]
    missing = [p for p in patterns if not fnmatch.filter(names, p)]
    if missing:
        raise DownloadError(f"{what}: missing {', '.join(missing)} (has: {', '.join(sorted(names)) or 'nothing'})")


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return parts[0] == "__MACOSX" or parts[-1] in (".DS_Store", "Thumbs.db")


def _common_top_folder(names: list[str]) -> str:
    """'top/' when every member lies inside one folder `top`, else ''."""
    tops = {PurePosixPath(n).parts[0] for n in names}
    if len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in names):
        return tops.pop() + "/"
    return ""
