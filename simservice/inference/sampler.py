"""Choosing the next token from float32 probabilities: samplers are strategies chosen by name.

A sampler only decides how a token is picked from the model's probabilities: `greedy`
(argmax), `random` (the whole distribution), `top_k` (the k most likely) and `top_p` (the
smallest set of most likely tokens holding mass p, optionally within the top k). Temperature
applies to all. Each row draws from its own random stream (a seed per row), so a seeded
request samples the same tokens whether it runs alone or in a batch with other requests.
A new strategy subclasses `Sampler` and registers itself with `@register`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

SAMPLERS: dict[str, type[Sampler]] = {}


def register(cls: type[Sampler]) -> type[Sampler]:
    """Make a sampler class available by its `name` (to SamplingParams and the HTTP API)."""
    SAMPLERS[cls.name] = cls
    return cls


@dataclasses.dataclass(frozen=True)
class SamplingParams:
    """How to pick tokens: a strategy by name and its numbers.

    With `strategy` None it follows from the numbers: top_k=1 is greedy; top_p below 1 is
    top_p (within top_k when both are set); top_k alone is top_k; neither is random.
    A named strategy uses only its own numbers (and temperature).
    """

    top_k: int | None = None
    top_p: float | None = None
    temperature: float = 1.0
    strategy: str | None = None

    def __post_init__(self) -> None:
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if not self.temperature > 0.0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.strategy is None:
            object.__setattr__(self, "strategy", _implied_strategy(self.top_k, self.top_p))
        if self.strategy not in SAMPLERS:
            raise ValueError(f"sampler {self.strategy!r} is unknown: use one of {', '.join(SAMPLERS)}")
        SAMPLERS[self.strategy].check(self)

    @property
    def sampler(self) -> Sampler:
        return SAMPLERS[self.strategy]()

    @property
    def greedy(self) -> bool:
        return self.strategy == "greedy"


def _implied_strategy(top_k: int | None, top_p: float | None) -> str:
    if top_k == 1:
        return "greedy"
    if top_p is not None and top_p < 1.0:
        return "top_p"
    return "top_k" if top_k is not None else "random"


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax in float32 of logits / temperature."""
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# Sorting a whole vocabulary per step costs more than a small model's forward pass; a trained
# model's nucleus is usually a handful of tokens, so rows first try the most likely few.
_SHORTLIST = 64


def _nucleus(probs: np.ndarray, params: SamplingParams) -> tuple[np.ndarray, np.ndarray]:
    """Token order (most likely first) and the kept, unnormalised probabilities in that order,
    for rows whose kept tokens all rank within the columns returned."""
    order = np.argsort(-probs, axis=-1)
    kept = np.take_along_axis(probs, order, axis=-1)
    if params.top_k is not None:
        kept[:, params.top_k:] = 0.0
    if params.top_p is not None and params.top_p < 1.0:
        total = kept.sum(axis=-1, keepdims=True)
        before = (np.cumsum(kept, axis=-1) - kept) / total  # mass ranked above each token
        kept[before >= np.float32(params.top_p)] = 0.0
    return order, kept


class Sampler:
    """A strategy: which tokens each row may take (`candidates`); one uniform draw per row picks one."""

    name = ""

    @staticmethod
    def check(params: SamplingParams) -> None:
        """Refuse parameters the strategy cannot run with."""

    def candidates(self, probs: np.ndarray, params: SamplingParams):
        """(rows, order, kept) groups covering every row: token ids by rank and their kept,
        unnormalised probabilities (zero where excluded)."""
        raise NotImplementedError

    def choose(self, probs: np.ndarray, params: SamplingParams, rngs: list[np.random.Generator]) -> np.ndarray:
        """One token id per row; row i uses rngs[i] (one uniform draw per step)."""
        u = np.array([rng.random() for rng in rngs])
        out = np.zeros(len(probs), np.int32)
        for rows, order, kept in self.candidates(probs, params):
            cdf = np.cumsum(kept, axis=-1, dtype=np.float64)
            rank = (cdf <= (u[rows] * cdf[:, -1])[:, None]).sum(axis=-1)
            # Never land on a zero-probability rank at the edge of a float rounding gap.
            rank = np.minimum(rank, (kept > 0).sum(axis=-1) - 1)
            out[rows] = order[np.arange(len(rows)), rank]
        return out


@register
class GreedySampler(Sampler):
    """The most likely token; draws nothing."""

    name = "greedy"

    def candidates(self, probs, params):
        order = np.argmax(probs, axis=-1)[:, None]
        return [(np.arange(len(probs)), order, np.ones((len(probs), 1), np.float32))]

    def choose(self, probs, params, rngs):
        return np.argmax(probs, axis=-1).astype(np.int32)


@register
class RandomSampler(Sampler):
    """The whole distribution (after temperature)."""

    name = "random"

    def candidates(self, probs, params):
        vocab = probs.shape[-1]
        return [(np.arange(len(probs)), np.broadcast_to(np.arange(vocab), probs.shape), probs)]


@register
class TopKSampler(Sampler):
    """The k most likely tokens, in proportion to their probabilities."""

    name = "top_k"

    @staticmethod
    def check(params):
        if params.top_k is None:
            raise ValueError("the top_k sampler needs top_k: give the number of tokens to keep")

    def candidates(self, probs, params):
        params = dataclasses.replace(params, top_p=None)
        return _shortlist(probs, params, min(probs.shape[-1], params.top_k))


@register
class TopPSampler(Sampler):
    """The smallest set of most likely tokens holding mass top_p (within top_k when it is set)."""

    name = "top_p"

    @staticmethod
    def check(params):
        if params.top_p is None:
            raise ValueError("the top_p sampler needs top_p: give the probability mass to keep")

    def candidates(self, probs, params):
        if params.top_k is not None:
            return _shortlist(probs, params, min(probs.shape[-1], params.top_k))
        if params.top_p >= 1.0:
            return RandomSampler().candidates(probs, params)
        vocab = probs.shape[-1]
        width = min(vocab, _SHORTLIST)
        if width >= vocab:
            return [(np.arange(len(probs)), *_nucleus(probs, params))]
        rows = np.arange(len(probs))
        (_, order, kept), = _shortlist(probs, params, width)
        # Shortlist mass relative to the whole row: enough when it reaches top_p (decided per
        # row, so a row's tokens never depend on the other rows); other rows sort everything.
        enough = np.take_along_axis(probs, order, axis=-1).sum(axis=-1) >= params.top_p * probs.sum(axis=-1)
        groups = [(rows[enough], order[enough], kept[enough])]
        if not enough.all():
            slow = np.flatnonzero(~enough)
            groups.append((slow, *_nucleus(probs[slow], params)))
        return groups


def _shortlist(probs: np.ndarray, params: SamplingParams, width: int):
    """One group: the `width` most likely tokens of each row, cut by the params' top_k / top_p."""
    if width >= probs.shape[-1]:
        return [(np.arange(len(probs)), *_nucleus(probs, params))]
    top = np.argpartition(-probs, width - 1, axis=-1)[:, :width]
    order, kept = _nucleus(np.take_along_axis(probs, top, axis=-1), params)
    return [(np.arange(len(probs)), np.take_along_axis(top, order, axis=-1), kept)]


def filter_probs(probs: np.ndarray, params: SamplingParams) -> np.ndarray:
    """`probs` with what the sampler excludes zeroed, renormalised; rows must sum to 1."""
    probs = np.asarray(probs, dtype=np.float32)
    out = np.zeros_like(probs)
    for rows, order, kept in params.sampler.candidates(probs, params):
        block = np.zeros((len(rows), probs.shape[-1]), np.float32)
        np.put_along_axis(block, order, kept, axis=-1)
        out[rows] = block
    return out / out.sum(axis=-1, keepdims=True)


def sample(probs: np.ndarray, params: SamplingParams, rngs: list[np.random.Generator]) -> np.ndarray:
    """One token id per row with the params' sampler; row i uses rngs[i]."""
    return params.sampler.choose(np.asarray(probs, dtype=np.float32), params, rngs)


def row_generators(seed: int | None, rows: int) -> list[np.random.Generator]:
    """Independent random streams for `rows` samples of one request; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in root.spawn(rows)]
