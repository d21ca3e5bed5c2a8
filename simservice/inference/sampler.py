"""How the next token is chosen: sampling knobs and samplers, each one row of a registry.

A knob (`KNOBS`) is a number a request may set, with its check and its effect on the device:
it changes the logits (repetition penalty, then temperature) or keeps only the tokens at
least `floor` times as likely as the most likely one (min_p); top_k and top_p are the cuts
`token_choice` runs itself. A sampler (`SAMPLERS`) names the top_k and top_p it runs with.
Request fields, CLI flags and the device code are built from these rows, so adding a knob or
a sampler is one row. This module needs no TensorFlow (the HTTP layer checks requests with
it): effects are written against the `tf` module the device code passes in. Each row draws
one uniform number per step from its own random stream (a seed per row), so a seeded
request samples the same tokens alone or in a batch with other requests.
"""

from __future__ import annotations

import dataclasses
import numbers
import operator
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

_BOUNDS = {"gt": (operator.gt, ">"), "ge": (operator.ge, ">="), "lt": (operator.lt, "<"), "le": (operator.le, "<=")}


class Knob(NamedTuple):
    """A sampling number: request field, check, per-row device value and effect."""

    name: str
    type: type  # int or float
    default: Any  # None: unset (the sampler decides)
    bounds: dict[str, float]  # pydantic's gt / ge / lt / le
    help: str
    off: Any = None  # the device value when unset; None: the vocabulary size (top_k)
    logits: Callable | None = None  # (tf, logits [rows, vocab], value [rows, 1], seen [rows, vocab]) -> logits
    floor: Callable | None = None  # (tf, value [rows]) -> least probability kept, relative to the largest
    shared: bool = True  # every sampler uses it; False: only those that name it in `uses`

    def check(self, value) -> None:
        """Refuse a value outside the bounds (None is unset, allowed where the default is None)."""
        if value is None and self.default is None:
            return
        kind = numbers.Integral if self.type is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"{self.name} must be {'an integer' if self.type is int else 'a number'}, got {value!r}")
        if not all(_BOUNDS[op][0](value, limit) for op, limit in self.bounds.items()):
            allowed = " and ".join(f"{_BOUNDS[op][1]} {limit}" for op, limit in self.bounds.items())
            raise ValueError(f"{self.name} must be {allowed}, got {value}")

    def row_value(self, value, vocab: int):
        """The device value of one row: `off` when unset; top_k at most the vocabulary."""
        if value is None:
            return vocab if self.off is None else self.off
        return min(value, vocab) if self.type is int else value


def _penalize(tf, logits, penalty, seen):
    """HF's repetition penalty: seen tokens' logits divided by it if positive, multiplied if not."""
    return tf.where(seen, tf.where(logits > 0, logits / penalty, logits * penalty), logits)


KNOBS: dict[str, Knob] = {k.name: k for k in [
    Knob("top_k", int, None, {"ge": 1}, "sample among the k most likely tokens; 1 is greedy", shared=False),
    Knob("top_p", float, None, {"gt": 0.0, "le": 1.0}, "nucleus sampling mass", off=1.0, shared=False),
    Knob("min_p", float, 0.0, {"ge": 0.0, "le": 1.0}, "keep only tokens at least min_p times as likely as the "
         "most likely one; 0 is off, 1 is greedy", off=0.0, floor=lambda tf, p: p),
    Knob("repetition_penalty", float, 1.0, {"gt": 0.0, "le": 100.0}, "divide the positive logits of tokens "
         "already in the source or the output by it, multiply the negative ones (HF's); 1 is off", off=1.0,
         logits=_penalize),
    Knob("temperature", float, 1.0, {"gt": 0.0, "le": 100.0}, "softmax temperature", off=1.0,
         logits=lambda tf, z, t, seen: z / t),
]}


class Sampler(NamedTuple):
    """A strategy: the top_k and top_p it runs with (the knobs it `uses`, those it `needs`, fixed values)."""

    name: str
    help: str
    uses: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()

    def check(self, params: SamplingParams) -> None:
        for name in self.needs:
            if getattr(params, name) is None:
                raise ValueError(f"the {self.name} sampler needs {name} ({KNOBS[name].help})")

    def values(self, params: SamplingParams) -> dict[str, Any]:
        """Every knob's value for this sampler: the shared ones and its own (others unset), then its fixed ones."""
        values = {name: getattr(params, name) if knob.shared or name in self.uses else None
                  for name, knob in KNOBS.items()}
        return {**values, **dict(self.fixed)}


SAMPLERS: dict[str, Sampler] = {s.name: s for s in [
    Sampler("greedy", "the most likely token (the first of equals)", fixed=(("top_k", 1),)),
    Sampler("random", "the whole distribution"),
    Sampler("top_k", "the k most likely tokens", uses=("top_k",), needs=("top_k",)),
    Sampler("top_p", "the smallest set of most likely tokens holding mass top_p (within top_k when set)",
            uses=("top_k", "top_p"), needs=("top_p",)),
]}


class _Params:
    def __post_init__(self) -> None:
        for knob in KNOBS.values():
            knob.check(getattr(self, knob.name))
        if self.strategy is None:
            object.__setattr__(self, "strategy", _implied_strategy(self.top_k, self.top_p))
        if self.strategy not in SAMPLERS:
            raise ValueError(f"sampler {self.strategy!r} is unknown: use one of {', '.join(SAMPLERS)}")
        SAMPLERS[self.strategy].check(self)

    @classmethod
    def of(cls, source) -> SamplingParams:
        """From any object with an attribute per knob and `sampler` (a request body, CLI arguments)."""
        return cls(strategy=source.sampler, **{name: getattr(source, name) for name in KNOBS})

    @property
    def sampler(self) -> Sampler:
        return SAMPLERS[self.strategy]

    @property
    def greedy(self) -> bool:
        return self.strategy == "greedy"


SamplingParams = dataclasses.make_dataclass(
    "SamplingParams", [(k.name, k.type if k.default is not None else k.type | None, k.default) for k in KNOBS.values()]
    + [("strategy", str | None, None)], bases=(_Params,), frozen=True, kw_only=True)
SamplingParams.__module__ = __name__
SamplingParams.__doc__ = """How to pick tokens: a sampler by name and the knobs (`KNOBS`) by name.

    With `strategy` None it follows from the numbers: top_k=1 is greedy; top_p below 1 is
    top_p (within top_k when both are set); top_k alone is top_k; neither is random."""


DEFAULT_SAMPLING: dict[str, Any] = {"top_p": 0.95}  # RoFormer-Sim's gen_synonyms samples so
SHAPING = ("top_k", "top_p")  # the knobs that choose a sampler; a call naming neither gets the model's default


def sampling_params(sampler: str | None, knobs: Mapping[str, Any],
                    default: Mapping[str, Any] = DEFAULT_SAMPLING) -> SamplingParams:
    """The checked `SamplingParams` of a call: `sampler` and `knobs` by name, None for unset. A call that
    names no sampler and neither top_k nor top_p samples with `default` (the model's default sampling,
    `default_sampling.read`); knobs it does name win over the default's. A sampler named without a knob
    it needs takes it from `default`, else from `DEFAULT_SAMPLING` ("sampler": "top_p" alone is top_p 0.95)."""
    named = {name: value for name, value in knobs.items() if value is not None}
    if sampler is None and not any(name in named for name in SHAPING):
        named = {**default, **named}
    elif sampler in SAMPLERS:
        fallback = {**DEFAULT_SAMPLING, **default}
        named |= {name: fallback[name] for name in SAMPLERS[sampler].needs if name not in named and name in fallback}
    return SamplingParams(strategy=sampler, **named)


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


@dataclasses.dataclass(frozen=True)
class RowLimits:
    """Each row's knob values as arrays by knob name (what `choose_tokens` takes): int32 for
    integer knobs, float32 for the others; unset knobs hold their `off` value."""

    values: dict[str, np.ndarray]

    @classmethod
    def of(cls, params: list[SamplingParams], vocab: int) -> RowLimits:
        rows = [p.sampler.values(p) for p in params]
        return cls({k.name: np.array([k.row_value(r[k.name], vocab) for r in rows], device_dtype(k))
                    for k in KNOBS.values()})

    def take(self, rows: np.ndarray) -> RowLimits:
        return RowLimits({name: x[rows] for name, x in self.values.items()})


def device_dtype(knob: Knob) -> type:
    return np.int32 if knob.type is int else np.float32


def row_uniforms(seed: int | None, rows: int, steps: int) -> np.ndarray:
    """[rows, steps] float64 in [0, 1): each of a request's `rows` samples draws from its own
    random stream, one number per step; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return np.stack([np.random.default_rng(s).random(steps) for s in root.spawn(rows)]) if rows else \
        np.zeros((0, steps))
