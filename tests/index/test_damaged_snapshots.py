"""Damaged or crafted snapshot files (their checksum made to match, as a hostile client would) are
refused with SnapshotMismatch (HTTP 422) at upload or at restore, and the collection they were to
replace is left exactly as it was, with no staging files behind."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile

import numpy as np
import pytest

from simservice.index import FaissCollections
from simservice.index.errors import SnapshotMismatch
from tests.index.helpers import DIM, random_items

LABELS = {"model": "tiny"}


def members(path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def packed(manifest, table: bytes | None, table_as_directory: bool = False) -> io.BytesIO:
    """A snapshot file holding `manifest` (JSON of anything) and `table`, the manifest's sha256 made to
    match the table when the manifest is a dict that has one."""
    if isinstance(manifest, dict) and table is not None and "sha256" in manifest:
        manifest = {**manifest, "sha256": hashlib.sha256(table).hexdigest()}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = json.dumps(manifest).encode()
        member = tarfile.TarInfo("manifest.json")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
        if table_as_directory:
            member = tarfile.TarInfo("items.sqlite")
            member.type = tarfile.DIRTYPE
            tar.addfile(member)
        elif table is not None:
            member = tarfile.TarInfo("items.sqlite")
            member.size = len(table)
            tar.addfile(member, io.BytesIO(table))
    out.seek(0)
    return out


def edited_table(table: bytes, tmp_path, sql: str) -> bytes:
    path = tmp_path / "edit.sqlite"
    path.write_bytes(table)
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.close()
    return path.read_bytes()


@pytest.fixture
def made(tmp_path):
    manager = FaissCollections(str(tmp_path / "data"))
    store = manager.create("faq", DIM)
    store.upsert(random_items(np.random.default_rng(0), [f"q{i}" for i in range(20)]))
    snapshot = manager.create_snapshot("faq", LABELS)
    path = manager.snapshot_file("faq", snapshot.name)
    parts = members(path)
    yield manager, json.loads(parts["manifest.json"]), parts["items.sqlite"]
    manager.close()


def items_of(manager):
    return {i.id: i.vector.tolist() for i in manager.get("faq").page(0, 1000)}


BAD_MANIFESTS = {
    "a list": lambda m: [m],
    "config a string": lambda m: {**m, "config": "dim=8"},
    "labels a list": lambda m: {**m, "labels": ["tiny"]},
    "created a number": lambda m: {**m, "created": 20260101},
    "sha256 missing": lambda m: {k: v for k, v in m.items() if k != "sha256"},
}


@pytest.mark.parametrize("damage", BAD_MANIFESTS, ids=list(BAD_MANIFESTS))
def test_a_malformed_manifest_is_refused_at_upload(made, damage):
    manager, manifest, table = made
    before = [s.name for s in manager.list_snapshots("faq")]
    with pytest.raises(SnapshotMismatch):
        manager.add_snapshot("faq", packed(BAD_MANIFESTS[damage](manifest), table))
    assert [s.name for s in manager.list_snapshots("faq")] == before  # nothing stored, the listing still works


BAD_TABLES = {
    "not sqlite": lambda table, tmp: b"this is not a database" * 100,
    "no config row": lambda table, tmp: edited_table(table, tmp, "DELETE FROM config WHERE key = 'config';"),
    "no items table": lambda table, tmp: edited_table(table, tmp, "DROP TABLE items;"),
    "short vectors": lambda table, tmp: edited_table(table, tmp, "UPDATE items SET vector = x'0000';"),
    "another dimension": lambda table, tmp: edited_table(
        table, tmp, "UPDATE config SET value = json_set(value, '$.dim', 4) WHERE key = 'config';"),
}


@pytest.mark.parametrize("damage", BAD_TABLES, ids=list(BAD_TABLES))
def test_a_damaged_table_is_refused_at_restore_and_the_collection_kept(made, tmp_path, damage):
    manager, manifest, table = made
    before = items_of(manager)
    stored = manager.add_snapshot("faq", packed(manifest, BAD_TABLES[damage](table, tmp_path)))
    with pytest.raises(SnapshotMismatch, match="damaged"):
        manager.restore_snapshot("faq", stored.name, dim=DIM, labels=LABELS, replace=True)
    assert items_of(manager) == before
    assert not [e for e in os.listdir(manager.data_dir) if e.startswith(".creating")]


def test_a_table_that_is_not_a_file_is_refused(made):
    manager, manifest, _ = made
    stored = manager.add_snapshot("faq", packed(manifest, None, table_as_directory=True))
    with pytest.raises(SnapshotMismatch, match="damaged"):
        manager.restore_snapshot("faq", stored.name, dim=DIM, labels=LABELS, replace=True)
