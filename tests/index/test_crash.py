"""kill -9 a writer mid-stream: every acknowledged change survives, no batch is half-applied."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from tests.index.helpers import DIM, apply_op, assert_same_hits, numpy_twin, store_state, states_equal

from simservice.index import FaissStore

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
