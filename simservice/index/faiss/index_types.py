"""Building FAISS indexes from factory strings, with int64 ids and inner-product scores.

IVF indexes keep ids natively; every other index (Flat, HNSW, PQ, refined IVF...) is wrapped in
IndexIDMap2 so that it also takes our int64 fids. Some indexes cannot remove vectors (HNSW):
`can_remove` says so and the store keeps tombstones for them instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import faiss
import numpy as np

from ..errors import InvalidArgument
from ..types import IndexSpec

log = logging.getLogger(__name__)

EXACT = "Flat"
SEARCH_MAX = {"nprobe": 65536, "efSearch": 4096}
SEARCH_PARAMS = tuple(SEARCH_MAX)
MAX_TRAIN = 262_144


def factory_of(spec: IndexSpec) -> tuple[str, dict[str, int]]:
    """The FAISS factory string and search parameters of a validated backend-neutral spec."""
    if spec.kind == "hnsw":
        return f"HNSW{spec.m}", {"efSearch": spec.ef}
    if spec.kind == "ivf":
        return f"IVF{spec.nlist},Flat", {"nprobe": spec.nprobe}
    return EXACT, {}


def spec_of(factory: str, search_params: dict[str, int]) -> IndexSpec | None:
    """The backend-neutral spec of a factory string, or None when it has no neutral name."""
    if factory == EXACT:
        return IndexSpec()
    if match := re.fullmatch(r"HNSW(\d+)", factory):
        return IndexSpec("hnsw", m=int(match[1]), ef=search_params.get("efSearch", 16))
    if match := re.fullmatch(r"IVF(\d+),Flat", factory):
        return IndexSpec("ivf", nlist=int(match[1]), nprobe=search_params.get("nprobe", 1))
    return None


def tunable_spec(factory: str) -> IndexSpec:
    """What a search may tune on this factory string: ef (HNSW), nprobe up to nlist (IVF), or nothing."""
    if factory.startswith("HNSW"):
        return IndexSpec("hnsw")
    if match := re.match(r"IVF(\d+),", factory):
        return IndexSpec("ivf", nlist=int(match[1]))
    return IndexSpec()


def search_parameters(index: faiss.Index, knobs: dict[str, int],
                      selector: faiss.IDSelector | None = None) -> faiss.SearchParameters:
    """Per-call parameters for one search: the index's own efSearch / nprobe unless `knobs`
    (neutral names ef / nprobe) say otherwise, and an id selector; the shared index is never
    changed, so concurrent searches cannot see each other's settings."""
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        params = faiss.SearchParametersIVF()
        params.nprobe = knobs.get("nprobe", ivf.nprobe)
    elif isinstance(inner, faiss.IndexHNSW):
        params = faiss.SearchParametersHNSW()
        params.efSearch = knobs.get("ef", inner.hnsw.efSearch)
    else:  # exact (also an approximate index's stand-in until it is trained): nothing to tune
        params = faiss.SearchParameters()
    if selector is not None:
        params.sel = selector
    return params


def build(spec: str, dim: int) -> faiss.Index:
    """An empty (maybe untrained) inner-product index for `spec` that accepts add_with_ids;
    `spec` must pass the whitelist first (FAISS aborts the process on some strings)."""
    check_factory(spec, dim)
    try:
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1][:200]
        raise InvalidArgument(
            f"index {spec!r} is not a FAISS factory string FAISS can build for dimension {dim} "
            f"({first}); use {FACTORY_FORMS}"
        ) from None
    if not _takes_ids(index):
        index = faiss.IndexIDMap2(index)
    return index


def _takes_ids(index: faiss.Index) -> bool:
    """Whether add_with_ids works as is: IVF, or transforms (OPQ, PCA) in front of IVF."""
    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexPreTransform):
        index = faiss.downcast_index(index.index)
    return isinstance(index, faiss.IndexIVF)


# The factory strings FAISS may see, each number in a range where FAISS neither aborts the
# process (HNSW0, HNSW1) nor builds a useless index (IVF0) nor eats memory (HNSW100000).
FACTORY_FORMS = "'Flat', 'HNSW<m>' (m 4-64), 'IVF<nlist>,Flat' or 'IVF<nlist>,PQ<m>[x<bits>]' (nlist 1-65536)"
_FACTORY = re.compile(r"Flat|HNSW(?P<hnsw>\d{1,6})|IVF(?P<nlist>\d{1,6}),(?:Flat|PQ(?P<pq>\d{1,5})(?:x(?P<bits>\d{1,2}))?)")


def check_factory(spec: Any, dim: int) -> str:
    """A factory string of the whitelist with its numbers in range (a whitelist, not a blacklist)."""
    match = _FACTORY.fullmatch(spec) if isinstance(spec, str) else None
    if match is None:
        raise InvalidArgument(f"index {spec!r} is not a FAISS factory string simservice builds: use {FACTORY_FORMS}")
    problems = []
    if match["hnsw"] is not None and not 4 <= int(match["hnsw"]) <= 64:
        problems.append(f"HNSW links per node must be 4-64, not {match['hnsw']}")
    if match["nlist"] is not None and not 1 <= int(match["nlist"]) <= 65536:
        problems.append(f"IVF lists must be 1-65536, not {match['nlist']}")
    if match["pq"] is not None and not (1 <= int(match["pq"]) <= dim and dim % int(match["pq"]) == 0):
        problems.append(f"PQ sub-quantizers must divide the dimension {dim}, not {match['pq']}")
    if match["bits"] is not None and not 4 <= int(match["bits"]) <= 8:
        problems.append(f"PQ bits per code must be 4-8, not {match['bits']}")
    if problems:
        raise InvalidArgument(f"index {spec!r}: {'; '.join(problems)}")
    return spec


def check_spec(spec: str, dim: int) -> str:
    """Refuse a factory string early, when a collection is created or rebuilt."""
    build(spec, dim)
    return spec


def check_search_params(params: dict | None) -> dict[str, int]:
    params = dict(params or {})
    for key, value in params.items():
        if key not in SEARCH_PARAMS:
            raise InvalidArgument(f"search parameter {key!r} is unknown: use {', '.join(SEARCH_PARAMS)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SEARCH_MAX[key]:
            raise InvalidArgument(f"search parameter {key}={value!r} must be an integer 1..{SEARCH_MAX[key]}")
    return params


def apply_search_params(index: faiss.Index, params: dict[str, int]) -> None:
    """Set nprobe / efSearch where the index has them (ignored by indexes without them)."""
    space = faiss.ParameterSpace()
    for key, value in params.items():
        try:
            space.set_index_parameter(index, key, value)
        except RuntimeError:
            log.debug("index %s has no parameter %s", type(index).__name__, key)


def can_remove(index: faiss.Index) -> bool:
    """Whether remove_ids works on this index (probed with an id that is never used)."""
    try:
        index.remove_ids(faiss.IDSelectorBatch(np.array([-7], dtype=np.int64)))
    except RuntimeError:
        return False
    return True


def train_size(index: faiss.Index) -> int:
    """How many vectors training needs: 39 per IVF list (FAISS's own floor), at least 1000
    (a PQ codebook has 256 centroids); 39*256 for other trained indexes."""
    if index.is_trained:
        return 0
    ivf = faiss.try_extract_index_ivf(index)
    return 39 * 256 if ivf is None else max(39 * ivf.nlist, 1000)


def train_sample_size(index: faiss.Index, available: int) -> int:
    """How many vectors to train on: 64 per IVF list (at least the floor), capped."""
    ivf = faiss.try_extract_index_ivf(index)
    wanted = max(train_size(index), 64 * ivf.nlist if ivf is not None else 0)
    return min(available, wanted, MAX_TRAIN)
