"""kill -9 a writer mid-stream: every acknowledged change survives, no batch is half-applied; kill -9
a restore or replace at any step of its swap: the next start finds the old or the new collection."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from tests.index.helpers import (DIM, SWAP_STEPS, apply_op, assert_same_hits, numpy_twin, random_items,
                                 store_state, states_equal)

from simservice.index import FaissCollections, FaissStore
from simservice.index.faiss import swap as faiss_swap

HELPERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers.py")


def run_and_kill(directory, index, first_op, acks_before_kill, delay_s):
    """Start the writer, SIGKILL it after `acks_before_kill` acks; return the last acked op."""
    child = subprocess.Popen([sys.executable, HELPERS, str(directory), index, str(first_op)],
                             stdout=subprocess.PIPE, text=True)
    last = first_op - 1
    for line in child.stdout:
        last = int(line)
        if last - first_op + 1 >= acks_before_kill:
            break
    if delay_s:
        subprocess.run(["sleep", str(delay_s)])
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()  # acks printed before the kill landed count too
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the writer died of something else"
    return max([last] + [int(x) for x in rest.split()])


@pytest.mark.parametrize("index", ["Flat", "HNSW16"])
def test_sigkill_loses_no_acknowledged_change(tmp_path, index):
    rng = np.random.default_rng(0)
    directory = tmp_path / "c"
    state: dict = {}
    applied = 0  # ops 0..applied-1 are in the store
    for round_ in range(3):
        last_acked = run_and_kill(directory, index, applied, int(rng.integers(30, 80)),
                                  float(rng.choice([0, 0.003, 0.01])))
        acked = {}
        acked.update(state)
        for number in range(applied, last_acked + 1):
            apply_op(acked, number)
        in_flight = dict(acked)
        apply_op(in_flight, last_acked + 1)

        store = FaissStore(str(directory))
        found = store_state(store)
        if states_equal(found, acked):
            applied, state = last_acked + 1, acked
        else:
            assert states_equal(found, in_flight), f"round {round_}: store is neither the acked " \
                "state nor the acked state plus the op in flight"
            applied, state = last_acked + 2, in_flight
        assert store.count() == len(state)
        queries = rng.standard_normal((10, DIM)).astype(np.float32)
        if index == "Flat":
            assert_same_hits(store.search(queries, 8), numpy_twin(state.values()).search(queries, 8))
        else:
            hits = store.search(queries, 8)
            assert {h.id for row in hits for h in row} <= set(state)
            self_hits = store.search(np.stack([item.vector for item in list(state.values())[:20]]), 1)
            assert [row[0].id for row in self_hits] == list(state)[:20]
        store.close(snapshot=round_ % 2 == 0)
    assert applied > 100


def two_states(data_dir):
    """`faq` holding 30 items (the old state); `faq-next` and a snapshot of `faq` holding 5 others (the new)."""
    rng = np.random.default_rng(3)
    new, old = random_items(rng, [f"n{i}" for i in range(5)]), random_items(rng, [f"o{i}" for i in range(30)])
    manager = FaissCollections(data_dir)
    faq = manager.create("faq", DIM)
    faq.upsert(new)
    manager.create_snapshot("faq", {})
    faq.delete([item.id for item in new])
    faq.upsert(old)
    manager.create("faq-next", DIM).upsert(new)
    states = store_state(faq), store_state(manager.get("faq-next"))
    manager.close()
    return states


@pytest.mark.parametrize("kind", ["restore", "replace"])
@pytest.mark.parametrize("step", SWAP_STEPS)
def test_a_kill_at_any_step_of_a_swap_leaves_the_old_or_the_new_collection(tmp_path, kind, step):
    data_dir = str(tmp_path / "data")
    old, new = two_states(data_dir)
    child = subprocess.run([sys.executable, HELPERS, "swap", data_dir, kind, step])
    assert child.returncode == -signal.SIGKILL, f"the swap never reached step {step!r}"

    manager = FaissCollections(data_dir)  # the start-up that finds what the kill left
    found = store_state(manager.get("faq"))
    assert states_equal(found, old) or states_equal(found, new), "neither the old nor the new collection"
    rolled_forward = states_equal(found, new)
    assert rolled_forward == (SWAP_STEPS[step] >= SWAP_STEPS["plan-committed"])
    info = manager.describe("faq")
    assert (info.name, info.count) == ("faq", len(found))
    assert found["n0" if rolled_forward else "o0"].text == f"text of {'n0' if rolled_forward else 'o0'}"
    survivors = ["faq"] if rolled_forward and kind == "replace" else ["faq", "faq-next"]
    assert manager.list() == survivors
    assert all(manager.describe(name).name == name for name in survivors)
    assert sorted(os.listdir(data_dir)) == sorted([".snapshots", *survivors]), "stray folders left"
    manager.close()


def test_a_start_keeps_the_old_folder_when_a_plan_names_a_lost_new_one(tmp_path):
    data_dir = str(tmp_path / "data")
    old, _ = two_states(data_dir)
    os.rename(os.path.join(data_dir, "faq"), os.path.join(data_dir, ".dropped-faq-1"))
    with open(faiss_swap.plan_path(data_dir, "faq"), "w") as out:
        json.dump({"name": "faq", "new": ".creating-faq-2", "old": ".dropped-faq-1"}, out)
    assert states_equal(store_state(FaissCollections(data_dir).get("faq")), old)


def test_a_start_removes_nothing_while_a_plan_cannot_be_finished(tmp_path):
    data_dir = str(tmp_path / "data")
    os.makedirs(os.path.join(data_dir, ".dropped-faq-1"))
    with open(faiss_swap.plan_path(data_dir, "faq"), "w") as out:
        out.write("{damaged")
    FaissCollections(data_dir)
    assert sorted(os.listdir(data_dir)) == [".dropped-faq-1", ".swap-faq.json"]
