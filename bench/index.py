"""Benchmark of the vector index: durable adds, search latency/QPS and recall, one run.

For each corpus size (default 100k and 1M, 768-d float32 unit vectors drawn from a clustered
synthetic distribution, not uniform noise) it measures through the real FaissStore:
  * upsert throughput into an exact collection (SQLite commit + FAISS add + snapshots),
  * single-query and 64-query-batch search latency and QPS (payload fetch included),
  * for each approximate index (IVF-Flat, IVF-PQ, HNSW), the rebuild time from SQLite and
    the same latencies, with recall@10 against the exact results of the same run.
QPS ratios are against exact search in the same run on the same machine.
With --milvus URI (or --milvus embedded: the PyPI package's server on 127.0.0.1) the same
data goes through MilvusStore too: a FLAT and an HNSW collection (upsert rate, both
latencies, HNSW recall@10 against FAISS's exact answer), ratios against FAISS's exact rows.

    nice -n 15 python bench/index.py --sizes 100000 1000000 > bench/results/index.md
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from simservice.index import CollectionConfig, FaissStore, Item  # noqa: E402

APPROXIMATE = [
    ("IVF1024,Flat", [{"nprobe": 16}, {"nprobe": 64}]),
    ("IVF1024,PQ96", [{"nprobe": 16}, {"nprobe": 64}]),
    ("HNSW32", [{"efSearch": 64}, {"efSearch": 128}]),
]


class Clustered:
    """Unit vectors with the structure of sentence embeddings rather than noise.

    `topics` topic directions and a shared mean direction (as real embeddings have); each of
    `clusters` cluster centres leans on one topic, clusters have Zipf-like sizes, and the points of a cluster spread along a
    `rank`-dimensional subspace (one of `subspaces`) plus a little isotropic noise, so neighbours
    are meaningful, clusters overlap and an IVF partition has to cut through them.
    """

    def __init__(self, dim: int, clusters: int = 1000, topics: int = 50, rank: int = 32,
                 spread: float = 0.15, noise: float = 0.01, subspaces: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        topic = unit(rng.standard_normal((topics, dim), dtype=np.float32))
        lean = rng.standard_normal((clusters, dim), dtype=np.float32) / np.sqrt(dim)
        common = unit(rng.standard_normal((1, dim), dtype=np.float32))  # embeddings share a mean
        self.centres = unit(topic[rng.integers(topics, size=clusters)] + lean + 0.6 * common)
        self.bases = rng.standard_normal((subspaces, dim, rank), dtype=np.float32) * (spread / np.sqrt(dim))
        weights = 1.0 / np.arange(1, clusters + 1) ** 0.7
        self.weights = weights / weights.sum()
        self.noise, self.dim, self.rank = noise, dim, rank

    def sample(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        which = rng.choice(len(self.centres), size=n, p=self.weights)
        x = self.centres[which] + self.noise * rng.standard_normal((n, self.dim), dtype=np.float32)
        z = rng.standard_normal((n, self.rank), dtype=np.float32)
        subspace = which % len(self.bases)  # clusters share a few subspaces, to stay fast
        for basis in range(len(self.bases)):
            rows = np.flatnonzero(subspace == basis)
            x[rows] += z[rows] @ self.bases[basis].T
        return unit(x)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def timed(fn, budget_s: float, at_least: int, at_most: int) -> list[float]:
    """Per-call seconds of fn(i) for i = 0.. until the budget is spent (within the bounds)."""
    times, start = [], time.perf_counter()
    for i in range(at_most):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
        if i + 1 >= at_least and time.perf_counter() - start > budget_s:
            break
    return times


def measure_search(store: FaissStore, queries: np.ndarray, budget_s: float) -> dict:
    single = timed(lambda i: store.search(queries[i % len(queries)], 10), budget_s, 10, 500)
    batches = [queries[s : s + 64] for s in range(0, len(queries) - 63, 64)]
    batch = timed(lambda i: store.search(batches[i % len(batches)], 10), budget_s, 3, 100)
    return {
        "single_ms": 1e3 * statistics.median(single),
        "single_qps": len(single) / sum(single),
        "batch_ms": 1e3 * statistics.median(batch),
        "batch_qps": 64 * len(batch) / sum(batch),
    }


def top_ids(store: FaissStore, queries: np.ndarray) -> list[list[str]]:
    out = []
    for s in range(0, len(queries), 64):
        out += [[hit.id for hit in hits] for hits in store.search(queries[s : s + 64], 10)]
    return out


def recall(found: list[list[str]], truth: list[list[str]]) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def upsert_all(store, data: Clustered, n: int, batch: int) -> float:
    """Upsert n generated items `batch` at a time; the seconds spent in upsert only, not in making the data."""
    seconds = 0.0
    for chunk_start in range(0, n, batch):
        size = min(batch, n - chunk_start)
        vectors = data.sample(size, seed=chunk_start)
        items = [Item(f"doc-{chunk_start + i}", vectors[i], f"text {chunk_start + i}",
                      {"chunk": chunk_start // batch}) for i in range(size)]
        start = time.perf_counter()
        store.upsert(items)
        seconds += time.perf_counter() - start
    return seconds


def run_size(n: int, args, data: Clustered, rows: list[dict]) -> None:
    queries = data.sample(args.queries, seed=10**9 + n)
    directory = tempfile.mkdtemp(prefix=f"bench-index-{n}-", dir=args.workdir)
    try:
        store = FaissStore(os.path.join(directory, "c"), CollectionConfig("bench", args.dim))
        add_s = upsert_all(store, data, n, args.batch)
        log(f"n={n}: upserted in {add_s:.1f}s, {store.info().disk_bytes / 2**30:.2f} GiB on disk")
        exact = measure_search(store, queries, args.budget)
        truth = top_ids(store, queries)
        rows.append({"n": n, "index": "Flat (exact)", "params": "-", "build_s": add_s,
                     "add_per_s": n / add_s, "recall": 1.0, **exact, "base": exact})
        for spec, param_sets in APPROXIMATE:
            if spec.startswith("HNSW") and n > args.hnsw_max:
                log(f"n={n}: {spec} skipped (--hnsw-max {args.hnsw_max})")
                continue
            start = time.perf_counter()
            store.rebuild(index=spec, search_params=param_sets[0])
            build_s = time.perf_counter() - start
            log(f"n={n}: {spec} rebuilt in {build_s:.1f}s")
            for params in param_sets:
                store.set_search_params(params)
                found = top_ids(store, queries)
                active = store.info().active_index
                rows.append({"n": n, "index": spec if active == spec else f"{spec} (untrained: {active})",
                             "params": fmt_params(params),
                             "build_s": build_s, "add_per_s": n / build_s,
                             "recall": recall(found, truth),
                             **measure_search(store, queries, args.budget), "base": exact})
                log(f"n={n}: {spec} {params} recall@10 {rows[-1]['recall']:.3f}")
        store.close(snapshot=False)
        if args.milvus:
            run_milvus(n, args, data, queries, truth, exact, rows)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_milvus(n: int, args, data: Clustered, queries: np.ndarray, truth, faiss_exact: dict, rows) -> None:
    """FLAT and HNSW collections in Milvus with the same items; rows compared with FAISS exact."""
    from dataclasses import replace

    from pymilvus import utility

    from simservice.index import IndexSpec, MilvusOptions
    from simservice.index.milvus import MilvusCollections

    manager = MilvusCollections(MilvusOptions(uri=args.milvus, prefix="bench_", timeout=120))
    for name in manager.list():
        manager.drop(name)
    for label, spec, efs in (("Milvus FLAT", IndexSpec("exact"), [None]),
                             ("Milvus HNSW M=32", IndexSpec("hnsw", m=32, ef=64), [64, 128])):
        store = manager.create("c", args.dim, index=spec)
        start = time.perf_counter()
        add_s = upsert_all(store, data, n, args.batch)
        store._collection.flush(timeout=600)  # seal the segments so the index is built on them
        utility.wait_for_index_building_complete(store._collection.name, using=manager._alias, timeout=3600)
        build_s = time.perf_counter() - start
        log(f"n={n}: {label}: upserted in {add_s:.1f}s, flushed and indexed after {build_s:.1f}s")
        for ef in efs:
            if ef is not None:
                store.spec = replace(store.spec, ef=ef)
            found = top_ids(store, queries)
            rows.append({"n": n, "index": label, "params": f"ef={ef}" if ef else "-", "build_s": build_s,
                         "add_per_s": n / add_s, "recall": recall(found, truth),
                         **measure_search(store, queries, args.budget), "base": faiss_exact})
            log(f"n={n}: {label} ef={ef} recall@10 {rows[-1]['recall']:.3f}")
        manager.drop("c")
    manager.close()


def fmt_params(params: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in params.items())


def table(rows: list[dict]) -> str:
    head = ("| vectors | index | search params | build s | add vec/s | recall@10 | 1-query ms "
            "| 1-query QPS | 64-batch ms | 64-batch QPS | batch QPS vs FAISS exact |\n"
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = [
        f"| {r['n']:,} | {r['index']} | {r['params']} | {r['build_s']:.1f} | {r['add_per_s']:,.0f} "
        f"| {r['recall']:.3f} | {r['single_ms']:.2f} | {r['single_qps']:,.0f} | {r['batch_ms']:.1f} "
        f"| {r['batch_qps']:,.0f} | {r['batch_qps'] / r['base']['batch_qps']:.1f}x |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--queries", type=int, default=1000, help="queries for recall")
    parser.add_argument("--batch", type=int, default=10_000, help="items per upsert")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per latency run")
    parser.add_argument("--hnsw-max", type=int, default=10**9, help="skip HNSW above this size")
    parser.add_argument("--workdir", default=None, help="where the collections go (temp)")
    parser.add_argument("--approximate", nargs="*", default=[spec for spec, _ in APPROXIMATE],
                        help="FAISS approximate indexes to measure (default: all)")
    parser.add_argument("--milvus", default=None,
                        help="Milvus URI to measure too, or 'embedded' to start the test server")
    args = parser.parse_args()
    APPROXIMATE[:] = [entry for entry in APPROXIMATE if entry[0] in args.approximate]
    if args.milvus == "embedded":
        from tests.milvus_server import session_uri

        args.milvus = session_uri()
    logging.basicConfig(level=logging.WARNING)
    import faiss

    data = Clustered(args.dim)
    rows: list[dict] = []
    started = time.perf_counter()
    for n in args.sizes:
        run_size(n, args, data, rows)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores ({platform.processor() or 'cpu'}), "
          f"faiss {faiss.__version__} with {faiss.omp_get_max_threads()} threads, "
          f"numpy {np.__version__}; {args.dim}-d clustered synthetic unit vectors, "
          f"{args.queries} queries, k=10; total {time.perf_counter() - started:.0f}s.\n")
    print("'build s' is the durable upsert of every item for Flat (SQLite + FAISS + snapshots, "
          f"batches of {args.batch}), and rebuild() from SQLite (train + add + snapshot) for the "
          "approximate indexes. Latencies are medians through FaissStore.search, payloads "
          "included. Milvus rows: 'build s' is upsert + flush + index build, 'add vec/s' the "
          "upsert alone; reads at consistency level Strong.\n")
    print(table(rows))


if __name__ == "__main__":
    main()
