"""Benchmark of filtered search in the FAISS store, one run, interleaved rounds.

At `--size` items (default 100k, `--dim` 128 clustered unit vectors as in bench/index.py, metadata
{"g": i % 10000}) it times one query with k=10 and a filter `{"g": {"lt": m}}` that matches
`m * size / 10000` items:
  * the store's search (FAISS's best k*4, then k*16 candidates checked; if still short, SQLite
    picks the matching ids and only those are searched) against the over-fetch path the store
    used before (k*4, k*16, ... candidates, up to all of them, checked in Python until k match);
  * the two ways the store searches SQLite's matches, with the probe skipped: exact over their
    vectors from SQLite, or the index restricted by an id selector (`EXACT_BELOW` chooses);
for an exact (Flat) and an HNSW32 index. Ratios are the old or other path's median over the
store's; absolute medians are in milliseconds; recall@10 is against the exact top 10 of the
matching items (10 queries).

    nice -n 15 python bench/filters.py --size 100000 > bench/results/filters.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.index import Clustered  # noqa: E402
from simservice.index import CollectionConfig, FaissStore, Item  # noqa: E402
from simservice.index.faiss import search as faiss_search  # noqa: E402
from simservice.index.filters import matches, parse  # noqa: E402

K = 10
OVERFETCH = 4


def overfetch_search(store: FaissStore, query: np.ndarray, filter: dict) -> list[str]:
    """The store's earlier filtered search, on its own index and table: ask FAISS for k*4, k*16, ...
    candidates, fetch their payloads and keep those that match, until k match or all were seen."""
    node, fetch, total = parse(filter), OVERFETCH * K, store.count()
    while True:
        asked = min(fetch, total)
        _, fids = store._index.search(query, asked)
        payloads = store._table.payloads([int(f) for f in fids[0] if f >= 0])
        hits = [payloads[f][0] for f in fids[0].tolist() if f in payloads
                and matches(json.loads(payloads[f][2]), node)]
        if len(hits) >= K or asked >= total:
            return hits[:K]
        fetch *= OVERFETCH


def store_search(store: FaissStore, query: np.ndarray, filter: dict) -> list[str]:
    return [h.id for h in store.search(query, K, filter=filter)[0]]


def sql_path(exact_below: int):
    """The store's search with its probe of FAISS's candidates skipped: SQLite's matches at once,
    scored exactly (up to `exact_below` of them) or through an id selector."""
    def run(store, query, filter):
        saved = faiss_search.PROBE, faiss_search.EXACT_BELOW
        faiss_search.PROBE, faiss_search.EXACT_BELOW = 0, exact_below
        try:
            return store_search(store, query, filter)
        finally:
            faiss_search.PROBE, faiss_search.EXACT_BELOW = saved
    return run


def interleaved(store, queries, filter, ways: dict, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ways}
    for r in range(rounds):
        query = queries[r % len(queries)][None, :]
        for name, search in ways.items():
            start = time.perf_counter()
            search(store, query, filter)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--matches", type=int, nargs="+", default=[10, 100, 200, 1000],
                        help="m of the filter g < m, out of 10000 (100 = 1%%)")
    args = parser.parse_args()
    data = Clustered(args.dim)
    vectors = data.sample(args.size, seed=1)
    queries = data.sample(50, seed=2)
    print(f"# filtered search, {args.size} items, dim {args.dim}, k={K}, {args.rounds} interleaved rounds\n")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} "
          "at start\n")
    print(f"| index | matching | store ms | over-fetch ms | over-fetch / store | SQLite + exact ms "
          f"| SQLite + selector ms | selector / exact | recall@{K}: store | over-fetch | SQLite + exact "
          "| SQLite + selector |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for index in ("Flat", "HNSW32"):
            store = FaissStore(os.path.join(tmp, index), CollectionConfig("b", args.dim, index=index,
                                                                          search_params={"efSearch": 128}))
            for start in range(0, args.size, 10_000):
                store.upsert([Item(f"i{i}", vectors[i], "", {"g": i % 10_000})
                              for i in range(start, min(start + 10_000, args.size))])
            for m in args.matches:
                filter = {"g": {"lt": m}}
                ways = {"store": store_search, "overfetch": overfetch_search,
                        "exact": sql_path(10**9), "selector": sql_path(0)}
                times = interleaved(store, queries, filter, ways, args.rounds)
                med = {name: statistics.median(values) * 1000 for name, values in times.items()}
                rows = np.arange(args.size)[np.arange(args.size) % 10_000 < m]
                truth = [{f"i{rows[r]}" for r in np.argsort(-(vectors[rows] @ q))[:K]} for q in queries[:10]]
                found = {name: np.mean([len(set(ways[name](store, q[None, :], filter)) & t) / K
                                        for q, t in zip(queries[:10], truth)])
                         for name in ways}
                print(f"| {index} | {m * args.size // 10_000} ({m / 100:g}%) | {med['store']:.1f} | "
                      f"{med['overfetch']:.1f} | {med['overfetch'] / med['store']:.2f} | {med['exact']:.1f} | "
                      f"{med['selector']:.1f} | {med['selector'] / med['exact']:.2f} | "
                      + " | ".join(f"{found[name]:.2f}" for name in ways) + " |",
                      flush=True)
            store.close(snapshot=False)
    print(f"\nload {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
