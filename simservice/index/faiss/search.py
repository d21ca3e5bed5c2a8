"""Search of a FAISS collection, filtered or not: FAISS's best candidates checked against the item
table (tombstones and filters), and for a selective filter the matching items that SQLite picks.

FAISS is asked for k + tombstones candidates (at least k*4 with a filter), and again for 4 times as
many while a query is short of k live, matching hits. With a filter that probe stops at k*PROBE
candidates: a query still short then has a selective filter, so SQLite picks the matching items and
only those are searched (`among`): exactly from their stored vectors up to EXACT_BELOW of them, else
by FAISS restricted to them with an id selector (bench/filters.py measures both ways).
"""

from __future__ import annotations

import json

import faiss
import numpy as np

from .. import filters
from ..types import Hit
from . import index_types
from .item_table import ItemTable

OVERFETCH = 4  # a query short of k live (matching) hits asks FAISS again for 4 times as many
PROBE = 16  # a filtered search checks at most k*16 of FAISS's candidates before asking SQLite
EXACT_BELOW = 10_000  # up to this many of a filter's matches are scored exactly (bench/filters.py)


def search(index: faiss.Index, table: ItemTable, count: int, queries: np.ndarray, k: int,
           min_score: float | None, knobs: dict[str, int], node: filters.Node | None) -> list[list[Hit]]:
    """Top-k hits per query row among the `count` live items of `table` (the caller holds the read lock)."""
    if not index.ntotal or not count:
        return [[] for _ in queries]
    results, short = candidates(index, table, count, queries, k, min_score, knobs, node)
    if short:
        allowed = table.fids_where(*filters.to_sql(node), lambda meta: filters.matches(meta, node))
        scores, fids = among(index, table, queries[short], k, allowed, knobs)
        payloads = table.payloads(sorted({int(f) for f in np.unique(fids) if f >= 0}))
        for query, row_scores, row_fids in zip(short, scores, fids):
            results[query] = collect(row_scores, row_fids, payloads, k, min_score, None)[0]
    return results


def candidates(index: faiss.Index, table: ItemTable, count: int, queries: np.ndarray, k: int,
               min_score: float | None, knobs: dict[str, int],
               node: filters.Node | None) -> tuple[list[list[Hit]], list[int]]:
    """Hits from FAISS's best candidates, asking for 4 times as many while a query is short of
    k; with a filter, at most PROBE * k candidates: the queries still short are returned."""
    results: list[list[Hit]] = [[] for _ in range(len(queries))]
    short: list[int] = []
    total = index.ntotal
    fetch = k + (total - count) if node is None else max(k + (total - count), OVERFETCH * k)
    params = index_types.search_parameters(index, knobs)
    pending = np.arange(len(queries))
    payloads: dict[int, tuple[str, str, str]] = {}
    while len(pending):
        asked = min(fetch, total)
        scores, fids = index.search(queries[pending], asked, params=params)
        wanted = {int(f) for f in np.unique(fids) if f >= 0} - payloads.keys()
        payloads.update(table.payloads(sorted(wanted)))
        still = []
        for row, query in enumerate(pending):
            hits, done = collect(scores[row], fids[row], payloads, k, min_score, node)
            if done or asked >= total or (fids[row] < 0).any():
                results[query] = hits
            elif node is not None and asked >= PROBE * k:
                short.append(int(query))
            else:
                still.append(query)
        pending = np.array(still, dtype=np.int64)
        fetch *= OVERFETCH
    return results, short


def among(index: faiss.Index, table: ItemTable, queries: np.ndarray, k: int, allowed: np.ndarray,
          knobs: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The top k among `allowed` fids: exact over their vectors when there are few, else FAISS
    restricted to them by an id selector."""
    if not len(allowed):
        return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
    if len(allowed) <= EXACT_BELOW:
        scores = queries @ table.vectors(allowed, index.d).T
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, top, axis=1), allowed[top]
    selector = faiss.IDSelectorBatch(allowed)
    params = index_types.search_parameters(index, knobs, selector)
    return index.search(queries, min(k, len(allowed)), params=params)


def collect(scores, fids, payloads, k, min_score, node) -> tuple[list[Hit], bool]:
    """Hits from one row of FAISS candidates (those passing `node`, when given); done=True when no
    further candidate can count."""
    hits = []
    for score, fid in zip(scores.tolist(), fids.tolist()):
        if fid < 0:
            continue
        if min_score is not None and score < min_score:
            return hits, True
        payload = payloads.get(fid)
        if payload is None:  # a tombstone: deleted from SQLite, still in the index
            continue
        metadata = json.loads(payload[2])
        if node is not None and not filters.matches(metadata, node):
            continue
        hits.append(Hit(payload[0], score, payload[1], metadata))
        if len(hits) == k:
            return hits, True
    return hits, False
