"""Snapshot files of FAISS collections: a tar of `manifest.json` and a consistent copy of items.sqlite.

The copy is made with SQLite's online backup API in one step, inside one read transaction, so
it is one consistent state of the table while writes continue (WAL readers never block the
writer). The FAISS index is not in the file: a restore rebuilds it from the table, which is the
source of truth anyway. The manifest carries the backend, dimension, metric, index, count, the
table's SHA-256 and the caller's labels (the serving layer puts the model there).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import uuid
from typing import Any

from simservice import json_input

from ..errors import SnapshotMismatch, SnapshotNotFound
from ..types import SnapshotInfo

FORMAT = "simservice-snapshot/1"
SUFFIX = ".snapshot"
MANIFEST = "manifest.json"
TABLE = "items.sqlite"
MANIFEST_FIELDS = {"config": dict, "labels": dict, "created": str, "sha256": str}  # what a restore reads
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.snapshot$")


def check_snapshot_name(name: str) -> str:
    """A snapshot file name: letters, digits, '_', '-', '.', ending in .snapshot (no path)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise SnapshotNotFound(f"{name!r} is not a snapshot name: names look like 'faq-20260101T120000-1a2b3c.snapshot' "
                               "(see GET /collections/{name}/snapshots)")
    return name


def create(items_path: str, folder: str, collection: str, description: dict[str, Any],
           labels: dict[str, Any]) -> SnapshotInfo:
    """Write `<folder>/<collection>-<time>-<id>.snapshot` from the live table at `items_path`."""
    os.makedirs(folder, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    name = f"{collection}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}{SUFFIX}"
    staging = os.path.join(folder, f".{name}.tmp")
    os.makedirs(staging)
    try:
        copy = os.path.join(staging, TABLE)
        source = sqlite3.connect(f"file:{items_path}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # pages=-1: the whole file in one step, one read transaction
            count = target.execute("SELECT count(*) FROM items").fetchone()[0]
        finally:
            target.close()
            source.close()
        manifest = {"format": FORMAT, "collection": collection, "created": now.isoformat(timespec="seconds"),
                    **description, "count": count, "labels": labels, "sha256": file_sha256(copy)}
        with tarfile.open(os.path.join(staging, name), "w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            tar.add(copy, TABLE)
        final = os.path.join(folder, name)
        with open(os.path.join(staging, name), "rb") as f:
            os.fsync(f.fileno())
        os.replace(os.path.join(staging, name), final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info(final, collection)


def read_manifest(path: str) -> dict[str, Any]:
    """The manifest of a snapshot file; SnapshotMismatch if it is not one."""
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json_input.loads(tar.extractfile(member).read(), "the manifest")
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise SnapshotMismatch(f"{os.path.basename(path)} is not a simservice snapshot ({exc}): make one with "
                               "POST /collections/{name}/snapshots or `simservice snapshot create`") from None
    name = os.path.basename(path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise SnapshotMismatch(f"{name} has format {found!r}, not {FORMAT!r}")
    for key, kind in MANIFEST_FIELDS.items():
        if not isinstance(manifest.get(key), kind):
            raise SnapshotMismatch(f"{name}: its manifest's {key!r} is not a {kind.__name__}: the file is damaged")
    return manifest


def extract_table(path: str, directory: str) -> dict[str, Any]:
    """Unpack the snapshot's table into `directory` (checked against its SHA-256); its manifest."""
    manifest = read_manifest(path)
    target = os.path.join(directory, TABLE)
    with tarfile.open(path, "r") as tar:
        try:
            source = tar.extractfile(tar.getmember(TABLE))
        except KeyError:
            source = None
        if source is None:  # absent, or a directory or link rather than a file
            raise SnapshotMismatch(f"{os.path.basename(path)} holds no {TABLE} file: the file is damaged")
        with open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    if file_sha256(target) != manifest.get("sha256"):
        raise SnapshotMismatch(f"{os.path.basename(path)}: checksum mismatch, the file is damaged")
    return manifest


def info(path: str, collection: str) -> SnapshotInfo:
    manifest = read_manifest(path)
    return SnapshotInfo(os.path.basename(path), collection, os.path.getsize(path), manifest.get("created", ""),
                        manifest)


def listing(folder: str, collection: str) -> list[SnapshotInfo]:
    """The snapshots in `folder`, oldest first."""
    if not os.path.isdir(folder):
        return []
    found = [info(os.path.join(folder, entry), collection) for entry in os.listdir(folder)
             if entry.endswith(SUFFIX) and not entry.startswith(".")]
    return sorted(found, key=lambda s: (s.created, s.name))


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    tar.addfile(member, io.BytesIO(data))
