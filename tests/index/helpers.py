"""Helpers shared by the tests of simservice.index (imported by tests/index/test_*.py).

Also the child processes of the crash tests: `python tests/index/helpers.py <dir> <index>
<first_op>` applies the deterministic op stream from `first_op` on and prints each op's
number once the store has acknowledged it; `python tests/index/helpers.py swap <data_dir>
<replace|restore> <step>` swaps collection `faq` and kills itself at that step of the swap.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from simservice.index import CollectionConfig, FaissCollections, FaissStore, Item, NumpyStore  # noqa: E402

DIM = 16
ID_POOL = 300


def random_items(rng: np.random.Generator, ids, dim: int = DIM, groups: int = 5) -> list[Item]:
    """Items with gaussian vectors, a text and metadata {"group": g, "even": bool}."""
    return [
        Item(item_id, rng.standard_normal(dim).astype(np.float32), f"text of {item_id}",
             {"group": int(rng.integers(groups)), "even": bool(rng.integers(2)), "tag": "x"})
        for item_id in ids
    ]


def op(number: int) -> tuple[str, list]:
    """The crash test's op `number`: ("upsert", items) or ("delete", ids), reproducible."""
    rng = np.random.default_rng([7, number])
    ids = [f"id-{i}" for i in rng.choice(ID_POOL, size=int(rng.integers(1, 20)), replace=False)]
    if rng.random() < 0.3:
        return "delete", ids
    return "upsert", random_items(rng, ids)


def apply_op(state: dict[str, Item], number: int) -> None:
    kind, payload = op(number)
    if kind == "delete":
        for item_id in payload:
            state.pop(item_id, None)
    else:
        for item in payload:
            vector = np.asarray(item.vector, dtype=np.float32)
            state[item.id] = Item(item.id, vector / np.linalg.norm(vector), item.text, item.metadata)


def numpy_twin(items, dim: int = DIM) -> NumpyStore:
    store = NumpyStore(CollectionConfig("twin", dim))
    if items:
        store.upsert(list(items))
    return store


def assert_same_hits(got, want, tol: float = 1e-5) -> None:
    """Same ids in the same order and scores within tol, query by query."""
    assert len(got) == len(want)
    for row, (g, w) in enumerate(zip(got, want)):
        assert [h.id for h in g] == [h.id for h in w], f"query {row}: ids differ"
        np.testing.assert_allclose([h.score for h in g], [h.score for h in w], atol=tol)
        assert [(h.text, h.metadata) for h in g] == [(h.text, h.metadata) for h in w]


def store_state(store) -> dict[str, Item]:
    """Every item of a store, paged through by id."""
    items, offset = {}, 0
    while page := store.page(offset, 100):
        items.update((item.id, item) for item in page)
        offset += len(page)
    return items


def states_equal(a: dict[str, Item], b: dict[str, Item]) -> bool:
    return a.keys() == b.keys() and all(
        a[i].text == b[i].text and a[i].metadata == b[i].metadata
        and np.allclose(a[i].vector, b[i].vector, atol=1e-6)
        for i in a
    )


def writer(directory: str, index: str, first_op: int) -> None:
    config = CollectionConfig("crash", DIM, index=index, search_params={"efSearch": 400})
    store = FaissStore(directory, config, snapshot_min_changes=40, snapshot_fraction=0.0,
                       tombstone_min=60, tombstone_fraction=0.1)
    for number in range(first_op, first_op + 100_000):
        kind, payload = op(number)
        if kind == "delete":
            store.delete(payload)
        else:
            store.upsert(payload)
        print(number, flush=True)


# The points of a swap a kill is tried at: "begin" on entering `swap`, the others once the operation
# of that number (counted over the swap module's fsync, rename, remove, fsync_dir and _name_table
# calls, in the order a swap over an existing collection makes them) has returned.
SWAP_STEPS = {"begin": 0, "plan-written": 1, "plan-committed": 3, "named": 4, "old-set-aside": 5,
              "new-in-place": 6, "renames-synced": 7, "plan-removed": 9}


def swap_and_die(data_dir: str, kind: str, step: str) -> None:
    """Move `faq-next` over `faq` (replace) or restore `faq`'s snapshot over it, SIGKILLed at `step`."""
    import types

    from simservice.index.faiss import swap as faiss_swap

    manager = FaissCollections(data_dir)  # its start-up recovery runs unwatched
    done = 0

    def counted(operation):
        def run(*args, **kwargs):
            nonlocal done
            result = operation(*args, **kwargs)
            done += 1
            if done == SWAP_STEPS[step]:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return run

    def swap(*args):
        if step == "begin":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_swap(*args)

    real_swap = faiss_swap.swap
    faiss_swap.swap = swap
    faiss_swap.os = types.SimpleNamespace(path=os.path, listdir=os.listdir, fsync=counted(os.fsync),
                                          rename=counted(os.rename), remove=counted(os.remove))
    faiss_swap.index_file = types.SimpleNamespace(fsync_dir=counted(faiss_swap.index_file.fsync_dir))
    faiss_swap._name_table = counted(faiss_swap._name_table)
    if kind == "replace":
        manager.replace_collection("faq", "faq-next")
    else:
        manager.restore_snapshot("faq", manager.list_snapshots("faq")[0].name, dim=DIM, labels={}, replace=True)


if __name__ == "__main__":
    if sys.argv[1] == "swap":
        swap_and_die(*sys.argv[2:])
    else:
        writer(sys.argv[1], sys.argv[2], int(sys.argv[3]))
