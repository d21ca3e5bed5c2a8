"""How a FAISS collection's index comes back: from its snapshot (`index.snap`) plus the item log
after it, once the snapshot is shown to belong to this table's history, or else rebuilt from the
table, which is the source of truth. The snapshot's footer is written and read here."""

from __future__ import annotations

import logging

import faiss
import numpy as np
from tqdm import tqdm

from ..errors import CorruptSnapshot
from ..types import CollectionConfig
from . import index_file, index_types
from .item_table import ItemTable

log = logging.getLogger(__name__)


def load_snapshot(path: str, table: ItemTable, config: CollectionConfig) -> tuple[faiss.Index, dict]:
    """The snapshot's index and footer; FileNotFoundError, or CorruptSnapshot when it is damaged or
    does not belong to this table's history."""
    index, footer = index_file.read(path)
    problems = []
    if footer.get("uuid") != table.uuid:
        problems.append("it belongs to another collection")
    if footer.get("spec") not in (config.index, index_types.EXACT):
        problems.append(f"it holds index {footer.get('spec')!r}, not {config.index!r}")
    if index.d != config.dim or index.ntotal != footer.get("ntotal"):
        problems.append("its dimension or size is wrong")
    if footer.get("max_fid", 1 << 62) > table.max_fid():
        problems.append("it is newer than the item table")
    seq, last = footer.get("deletion_seq", 1 << 62), table.deletion_seq()
    oldest = table.oldest_deletion_seq()
    if seq > last or (seq < last and (oldest is None or oldest > seq + 1)):
        problems.append("the deletion log no longer reaches back to it")
    if problems:
        raise CorruptSnapshot(f"{path}: stale snapshot: {'; '.join(problems)}")
    return index, footer


def replay(index: faiss.Index, table: ItemTable, footer: dict, remove) -> tuple[int, int]:
    """Apply the table's changes since the snapshot to its index (`remove(fids)` deletes, as the store
    does); how many additions and deletions that was."""
    deleted = table.deletions_since(footer["deletion_seq"])
    remove(deleted)
    added = 0
    for fids, vectors in table.scan_vectors(index.d, after_fid=footer["max_fid"]):
        index.add_with_ids(vectors, fids)
        added += len(fids)
    return added, len(deleted)


def build(table: ItemTable, config: CollectionConfig, count: int, where: str) -> tuple[faiss.Index, str]:
    """A fresh index of every item in the table: the configured type, or exact until trainable."""
    spec = config.index
    index = index_types.build(spec, config.dim)
    if not index.is_trained:
        need = index_types.train_size(index)
        if count < need:
            log.info("%s: %d items, %s needs %d to train; using exact search meanwhile", where, count, spec, need)
            spec = index_types.EXACT
            index = index_types.build(spec, config.dim)
        else:
            fids = table.fids()
            size = index_types.train_sample_size(index, len(fids))
            sample = np.sort(np.random.default_rng(0).choice(fids, size, replace=False))
            log.info("%s: training %s on %d vectors", where, spec, size)
            index.train(table.vectors(sample, config.dim))
    with tqdm(total=count, desc=f"index {config.name}", unit="vec", disable=None if count > 50_000 else True) as bar:
        for fids, vectors in table.scan_vectors(config.dim):
            index.add_with_ids(vectors, fids)
            bar.update(len(fids))
    return index, spec


def write_snapshot(path: str, index: faiss.Index, spec: str, table: ItemTable) -> None:
    """Write `index` (built as `spec`) with the point of the table's log it covers, then let the table
    forget the deletions before it. The caller holds the store's lock: no writer runs meanwhile."""
    footer = {
        "format": 1, "uuid": table.uuid, "spec": spec, "dim": index.d, "ntotal": index.ntotal,
        "max_fid": table.max_fid(), "deletion_seq": table.deletion_seq(),
    }
    size = index_file.write(path, index, footer)
    table.forget_deletions(footer["deletion_seq"])
    log.info("%s: snapshot of %d vectors written (%d bytes)", path, footer["ntotal"], size)
