"""How the next token is chosen: samplers are strategies chosen by name.

A sampler only decides which tokens a row may take: `greedy` (the most likely), `random`
(the whole distribution), `top_k` (the k most likely) and `top_p` (the smallest set of most
likely tokens holding mass p, optionally within the top k). Temperature applies to all. Each
strategy states its choice as two per-row limits (top_k, top_p), so rows of different
requests are chosen together on the device by `token_choice.choose_tokens`. (This module
needs no TensorFlow: the HTTP layer checks requests with it.) Each row draws
one uniform number per step from its own random stream (a seed per row), so a seeded request
samples the same tokens whether it runs alone or in a batch with other requests.
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


class Sampler:
    """A strategy: the top_k and top_p limits a row runs with (None: no limit)."""

    name = ""

    @staticmethod
    def check(params: SamplingParams) -> None:
        """Refuse parameters the strategy cannot run with."""

    def limits(self, params: SamplingParams) -> tuple[int | None, float | None]:
        raise NotImplementedError


@register
class GreedySampler(Sampler):
    """The most likely token (the first of equals)."""

    name = "greedy"

    def limits(self, params):
        return 1, None


@register
class RandomSampler(Sampler):
    """The whole distribution (after temperature)."""

    name = "random"

    def limits(self, params):
        return None, None


@register
class TopKSampler(Sampler):
    """The k most likely tokens, in proportion to their probabilities."""

    name = "top_k"

    @staticmethod
    def check(params):
        if params.top_k is None:
            raise ValueError("the top_k sampler needs top_k: give the number of tokens to keep")

    def limits(self, params):
        return params.top_k, None


@register
class TopPSampler(Sampler):
    """The smallest set of most likely tokens holding mass top_p (within top_k when it is set)."""

    name = "top_p"

    @staticmethod
    def check(params):
        if params.top_p is None:
            raise ValueError("the top_p sampler needs top_p: give the probability mass to keep")

    def limits(self, params):
        return params.top_k, params.top_p


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax in float32 of logits / temperature."""
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclasses.dataclass(frozen=True)
class RowLimits:
    """Each row's sampling limits as arrays (what `choose_tokens` takes): top_k [rows] int32 (the
    vocabulary size when unset), top_p [rows] float32 (1.0 when unset), temperature [rows] float32."""

    top_k: np.ndarray
    top_p: np.ndarray
    temperature: np.ndarray

    @classmethod
    def of(cls, params: list[SamplingParams], vocab: int) -> RowLimits:
        limits = [p.sampler.limits(p) for p in params]
        return cls(np.array([vocab if k is None else min(k, vocab) for k, _ in limits], np.int32),
                   np.array([1.0 if p is None else p for _, p in limits], np.float32),
                   np.array([p.temperature for p in params], np.float32))

    def take(self, rows: np.ndarray) -> RowLimits:
        return RowLimits(self.top_k[rows], self.top_p[rows], self.temperature[rows])


def row_uniforms(seed: int | None, rows: int, steps: int) -> np.ndarray:
    """[rows, steps] float64 in [0, 1): each of a request's `rows` samples draws from its own
    random stream, one number per step; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return np.stack([np.random.default_rng(s).random(steps) for s in root.spawn(rows)]) if rows else \
        np.zeros((0, steps))
