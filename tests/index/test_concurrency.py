"""Many readers, one writer: a search never sees half of a batch."""

import threading
import time

import numpy as np
from tests.index.helpers import DIM

from simservice.index import CollectionConfig, FaissStore, Item


def test_searches_see_whole_batches_only(tmp_path):
    store = FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM), snapshot_min_changes=500)
    rng = np.random.default_rng(0)

    def batch(group, version):
        return [Item(f"{group}{i}", rng.standard_normal(DIM), str(version), {"grp": group, "v": version})
                for i in range(10)]

    store.upsert(batch("A", 0))
    apply = store._apply  # widen the window between the SQLite commit and the FAISS update
    store._apply = lambda change: (time.sleep(0.002), apply(change))
    stop = threading.Event()
    searches, problems = [], []

    def write():
        version = 0
        while not stop.is_set():
            version += 1
            store.upsert(batch("A", version))  # A: always 10 items, replaced as a whole
            store.delete([f"B{i}" for i in range(10)] if version % 2 else [])
            store.upsert(batch("B", version) if version % 2 == 0 else [])  # B: 0 or 10 items

    def read():
        queries = np.random.default_rng(1).standard_normal((4, DIM))
        while not stop.is_set():
            for group, sizes in (("A", {10}), ("B", {0, 10})):
                for hits in store.search(queries, 10, filter={"grp": group}):
                    searches.append(group)
                    versions = {h.metadata["v"] for h in hits}
                    if len(hits) not in sizes or len(versions) > 1:
                        problems.append((group, len(hits), versions))

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    store.close()
    assert len(searches) > 50, "readers did not get to search"
    assert problems == []
