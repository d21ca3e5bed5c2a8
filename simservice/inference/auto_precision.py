"""`precision="auto"`: the fastest precision that keeps the model's vectors at cosine >= MIN_COSINE to
float32's on this machine, measured once per model and machine and remembered in a small cache file.

Which precisions are tried depends on the units the machine has: mixed_bfloat16 where the CPU has
bfloat16 instructions (AVX-512 BF16 or AMX) and the model runs without XLA (XLA's CPU backend computes
bfloat16 dots in float32, bench/NOTES.md), int8 where it has VNNI or AMX int8 and runs with XLA (int8
needs XLA), mixed_float16 on a GPU. A machine with none of them runs float32 without measuring.
Each candidate is loaded, its vectors of PROBE compared with float32's, and its encode time measured
(fastest of REPEATS rounds interleaved with float32's); it wins only when it holds the cosine bar and
beats float32 by MIN_GAIN, so the noise of a shared machine does not flip the choice. A model that generates keeps its
decoder in float32 (`with_float32_decoder`): only the encoder takes the chosen precision.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import platform
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

MIN_COSINE = 0.999
MIN_GAIN = 1.10
REPEATS = 3
# Raised when what is measured changes, so older choices are measured again (2: the fused Dense,
# bfloat16-stored weights, interleaved rounds).
CACHE_VERSION = 2
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
PROBE = [
    "怎么开通花呗", "花呗怎么开通？", "明天北京会下雨吗", "今天天气怎么样", "信用卡丢了怎么办",
    "银行卡被冻结了该如何处理", "推荐几部好看的电影", "这部手机的电池能用多久", "如何提高英语口语水平",
    "我想学做红烧肉，需要哪些材料", "附近有没有好吃的火锅店", "怎样才能睡个好觉", "孩子不爱吃饭怎么办",
    "去上海出差住哪里比较方便", "这个月的工资什么时候发", "电脑开机很慢是什么原因",
    "What is the weather like in Beijing tomorrow?", "How do I reset my password?",
    "微信转账多久能到账", "高铁票可以改签几次", "为什么我的快递还没到", "感冒了喝什么药好得快",
    "有什么适合周末去的地方", "怎么查询社保缴费记录", "新手学吉他应该从哪里开始", "猫咪一直叫是怎么回事",
    "考研和工作哪个更重要", "夏天去海边要带些什么", "手机屏幕碎了修一下多少钱", "如何写好一份简历",
    "长期熬夜对身体有什么影响", "这道数学题怎么解",
]


@dataclasses.dataclass(frozen=True)
class Trial:
    precision: str
    seconds: float  # fastest encode of PROBE (`fastest_rounds`)
    min_cosine: float  # to float32's vectors

    def holds(self) -> bool:
        return self.min_cosine >= MIN_COSINE


@dataclasses.dataclass(frozen=True)
class Choice:
    precision: str
    reason: str
    trials: tuple[Trial, ...] = ()


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def candidates(flags: frozenset[str], xla: bool, gpu: bool) -> list[str]:
    """The precisions worth measuring against float32 on a machine with these units."""
    if gpu:
        return ["mixed_float16"]
    out = []
    if flags & BF16_FLAGS and not xla:
        out.append("mixed_bfloat16")
    if flags & INT8_FLAGS and xla:
        out.append("int8")
    return out


def fastest_rounds(pipelines: dict[str, object], probe: Sequence[str] = PROBE,
                   rounds: int = REPEATS) -> dict[str, float]:
    """Each pipeline's fastest encode of `probe` over `rounds` interleaved rounds (one encode of each
    per round): a burst of other work on a shared machine slows one round of every pipeline, not
    all the rounds of one (measured one after the other, a 1.6x bf16 once measured 1.05x)."""
    best = {name: float("inf") for name in pipelines}
    for _ in range(rounds):
        for name, pipeline in pipelines.items():
            start = time.perf_counter()
            pipeline.encode(list(probe))
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def decide(base_seconds: float, trials: Sequence[Trial]) -> Choice:
    """The fastest trial that holds the cosine bar and beats float32 by MIN_GAIN, else float32."""
    good = [t for t in trials if t.holds() and base_seconds / t.seconds >= MIN_GAIN]
    if not good:
        why = "; ".join(f"{t.precision} {base_seconds / t.seconds:.2f}x, cosine {t.min_cosine:.5f}" for t in trials)
        return Choice("float32", f"no precision held cosine >= {MIN_COSINE} at >= {MIN_GAIN}x float32 ({why})",
                      tuple(trials))
    best = min(good, key=lambda t: t.seconds)
    return Choice(best.precision, f"{base_seconds / best.seconds:.2f}x float32 at cosine {best.min_cosine:.5f}",
                  tuple(trials))


def choose(load: Callable[[str], object], names: Sequence[str]):
    """(pipeline, Choice): float32 and each candidate in `names` loaded through `load(precision)`, their
    vectors of PROBE compared (that encode also warms each up), then timed (`fastest_rounds`); the
    winner's pipeline is returned, the others dropped."""
    base = load("float32")
    expected = np.asarray(base.encode(list(PROBE)))
    cosines, kept = {}, {"float32": base}
    for name in names:
        try:
            pipeline = load(name)
            vectors = np.asarray(pipeline.encode(list(PROBE)))
        except Exception as e:  # a precision this build cannot run is simply not chosen
            log.warning("precision auto: %s does not run here (%s: %s)", name, type(e).__name__, e)
            continue
        cosines[name] = float(np.min(np.sum(vectors * expected, axis=1)))
        kept[name] = pipeline
    seconds = fastest_rounds(kept)
    trials = [Trial(name, seconds[name], cosine) for name, cosine in cosines.items()]
    choice = decide(seconds["float32"], trials)
    chosen = kept[choice.precision]
    return (chosen if chosen is base else with_float32_decoder(chosen, base.model)), choice


def with_float32_decoder(pipeline, float32_model):
    """`pipeline` generating with `float32_model` (the same weights in float32) where it can generate:
    its paraphrases are then exactly float32's (bfloat16 changes greedy tokens at near ties, and
    decoding in it was at most 1.03x faster here), at the cost of a second copy of the weights."""
    if pipeline.can_generate:
        pipeline.decode_with(float32_model, "float32")
    return pipeline


def float32_twin(model):
    """A float32 model holding copies of `model`'s weights (loaded in mixed_float16: its variables are
    float32), or None where they are not float32's one to one (an int8 model's quantized kernels, a
    mixed_bfloat16 model's weights rounded to bfloat16; see `LOAD_POLICIES`)."""
    from simservice.model.loader import build_model

    if any(w.dtype != "float32" for w in model.weights):
        return None
    twin = build_model(model.config, "float32")
    pairs = list(zip(twin.weights, model.weights))
    if len(twin.weights) != len(model.weights) or any(tuple(a.shape) != tuple(b.shape) for a, b in pairs):
        return None
    for mine, theirs in pairs:
        mine.assign(theirs)
    return twin


def cache_file() -> Path:
    root = os.environ.get("SIMSERVICE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "simservice")
    return Path(root) / "precision.json"


def cache_key(model_dir: str | Path, xla: bool, flags: frozenset[str], gpu: bool) -> str:
    """Same model files, same machine, same switches: same choice."""
    from simservice.model.checkpoint_files import find_checkpoint

    files = find_checkpoint(model_dir)
    weights = sorted(files.directory.glob(files.weights.name + "*"))
    stamps = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in weights]
    facts = [str(files.directory.resolve()), stamps, xla, gpu, sorted(flags), platform.machine(), _versions()]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:32]


def _versions() -> list[str]:
    import tensorflow as tf

    return [tf.__version__, str(CACHE_VERSION)]


def remembered(key: str) -> Choice | None:
    try:
        entry = json.loads(cache_file().read_text()).get(key)
        return Choice(entry["precision"], entry["reason"] + " (remembered)") if entry else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(key: str, choice: Choice) -> None:
    """Best effort: an unwritable cache only means measuring again next time."""
    path = cache_file()
    try:
        entries = json.loads(path.read_text()) if path.exists() else {}
        if not isinstance(entries, dict):
            entries = {}
    except (OSError, ValueError):
        entries = {}
    entries[key] = {"precision": choice.precision, "reason": choice.reason,
                    "trials": [dataclasses.asdict(t) for t in choice.trials], "when": time.time()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, indent=1))
        tmp.replace(path)
    except OSError as e:
        log.warning("precision auto: cannot remember the choice in %s (%s)", path, e)
