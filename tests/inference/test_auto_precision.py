"""precision auto: what is tried on which machine, the bar a precision must hold to be chosen, the
choice remembered per model and machine, and the pipeline saying what it runs in."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from simservice import load_model
from simservice.inference import auto_precision as auto
from simservice.inference.auto_precision import Trial, candidates, decide
from tests.paths import FIXTURES

ZEN4 = frozenset({"avx512f", "avx512_bf16", "avx512_vnni"})
SAPPHIRE_RAPIDS = ZEN4 | {"amx_bf16", "amx_int8", "amx_tile"}
OLD_XEON = frozenset({"avx2", "fma"})


def test_candidates_follow_the_units_and_xla():
    assert candidates(OLD_XEON, xla=False, gpu=False) == []
    assert candidates(OLD_XEON, xla=True, gpu=False) == []
    assert candidates(ZEN4, xla=False, gpu=False) == ["mixed_bfloat16"]
    assert candidates(SAPPHIRE_RAPIDS, xla=True, gpu=False) == ["int8"]  # XLA's CPU dots run bf16 in float32
    assert candidates(OLD_XEON, xla=False, gpu=True) == ["mixed_float16"]


def test_a_precision_must_hold_the_cosine_bar_and_beat_float32_clearly():
    fast_but_wrong = Trial("int8", 0.5, 0.9985)
    barely_faster = Trial("mixed_bfloat16", 0.95, 0.99999)
    assert decide(1.0, [fast_but_wrong, barely_faster]).precision == "float32"
    reason = decide(1.0, [fast_but_wrong]).reason
    assert "int8 2.00x, cosine 0.99850" in reason
    good = Trial("mixed_bfloat16", 0.7, 0.99995)
    better = Trial("int8", 0.6, 0.9991)
    choice = decide(1.0, [good, better, fast_but_wrong])
    assert choice.precision == "int8" and choice.reason.startswith("1.67x float32")


class Loads:
    """`load(precision)` for choose(): the real RoFormer fixture, with a made-up slowness per precision."""

    def __init__(self, slow: dict[str, float]):
        self.slow, self.calls = slow, []

    def __call__(self, precision):
        import time

        pipeline = load_model(FIXTURES / "roformer_tf1", precision=precision)
        encode, delay = pipeline.encode, self.slow.get(precision, 0.0)

        def slowed(texts, **kw):
            time.sleep(delay)
            return encode(texts, **kw)

        pipeline.encode = slowed
        self.calls.append(precision)
        return pipeline


def test_choose_measures_the_real_vectors_and_keeps_the_winner():
    loads = Loads({"float32": 0.05})  # bf16 not slowed: clearly faster than float32 here
    pipeline, choice = auto.choose(loads, ["mixed_bfloat16"])
    assert loads.calls == ["float32", "mixed_bfloat16"]
    [trial] = choice.trials
    assert trial.min_cosine >= auto.MIN_COSINE  # the real bf16 model's vectors against float32's
    assert choice.precision == "mixed_bfloat16" and pipeline.precision == "mixed_bfloat16"
    assert pipeline.model.backbone.compute_dtype == "bfloat16"

    pipeline, choice = auto.choose(Loads({"mixed_bfloat16": 0.05}), ["mixed_bfloat16"])
    assert choice.precision == "float32" and pipeline.precision == "float32"


def test_rounds_are_interleaved_and_each_pipeline_keeps_its_fastest():
    """A slow moment (here a sleep) costs one round of each pipeline, not the whole measure of one."""
    import time

    calls = []

    class Pipeline:
        def __init__(self, name, delays):
            self.name, self.delays = name, iter(delays)

        def encode(self, texts):
            calls.append(self.name)
            time.sleep(next(self.delays))

    best = auto.fastest_rounds({"float32": Pipeline("float32", [0.2, 0.0, 0.2]),
                                "mixed_bfloat16": Pipeline("mixed_bfloat16", [0.2, 0.2, 0.0])}, rounds=3)
    assert calls == ["float32", "mixed_bfloat16"] * 3
    assert best["float32"] < 0.1 and best["mixed_bfloat16"] < 0.1


def test_load_model_auto_remembers_its_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMSERVICE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(auto, "cpu_flags", lambda: ZEN4)
    measured = []
    real_choose = auto.choose

    def counting_choose(load, names):
        measured.append(names)
        return real_choose(load, names)

    monkeypatch.setattr(auto, "choose", counting_choose)
    first = load_model(FIXTURES / "roformer_tf1", precision="auto")
    assert measured == [["mixed_bfloat16"]] and first.precision in ("float32", "mixed_bfloat16")
    entries = json.loads((tmp_path / "cache" / "precision.json").read_text())
    [entry] = entries.values()
    assert entry["precision"] == first.precision and entry["trials"][0]["precision"] == "mixed_bfloat16"

    second = load_model(FIXTURES / "roformer_tf1", precision="auto")
    assert measured == [["mixed_bfloat16"]]  # not measured again
    assert second.precision == first.precision and second.precision_reason.endswith("(remembered)")
    texts = ["怎么开通花呗", "今天天气怎么样"]
    assert np.min(np.sum(second.encode(texts) * load_model(FIXTURES / "roformer_tf1").encode(texts), 1)) > 0.999

    (tmp_path / "cache" / "precision.json").write_text("{not json")  # a broken cache: measured again
    load_model(FIXTURES / "roformer_tf1", precision="auto")
    assert len(measured) == 2


def test_no_units_no_measurement(monkeypatch, tmp_path):
    monkeypatch.setenv("SIMSERVICE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(auto, "cpu_flags", lambda: OLD_XEON)
    monkeypatch.setattr(auto, "choose", lambda *a: pytest.fail("measured on a machine with nothing to try"))
    pipeline = load_model(FIXTURES / "roformer_tf1", precision="auto")
    assert pipeline.precision == "float32" and "no bfloat16 or int8 units" in pipeline.precision_reason
    assert not (tmp_path / "precision.json").exists()


def test_the_service_defaults_to_auto(monkeypatch):
    from simservice.serving.settings import Settings

    monkeypatch.delenv("SIMSERVICE_PRECISION", raising=False)
    assert Settings().precision == "auto"
    assert Settings(precision="auto", xla=True).precision == "auto"


def test_cpu_flags_of_this_machine_are_read():
    flags = auto.cpu_flags()
    assert isinstance(flags, frozenset)
    assert not flags or "fpu" in flags  # every x86 CPU lists fpu; elsewhere the set may be empty


FRESH = """
import json, sys
import numpy as np
from simservice import load_model
from simservice.inference import auto_precision as auto

auto.cpu_flags = lambda: frozenset({"avx512_bf16"})
auto.decide = lambda base, trials: auto.Choice("mixed_bfloat16", "chosen by the test", tuple(trials))
texts, out = json.loads(sys.argv[2]), {}
float32 = load_model(sys.argv[1])
for run in ("measured", "remembered"):
    chosen = load_model(sys.argv[1], precision="auto")
    out[run] = {"precision": chosen.precision, "decoder": chosen.decoder_precision,
                "compute": chosen.model.backbone.compute_dtype,
                "same": [chosen.generate(t, n=1, top_k=1, max_length=16) == float32.generate(t, n=1, top_k=1,
                                                                                               max_length=16)
                         for t in texts],
                "cosine": float(np.min(np.sum(chosen.encode(texts) * float32.encode(texts), axis=1)))}
print(json.dumps(out))
"""


@pytest.mark.parametrize("fixture", ["roformer_tf1", "bert_tf1"])
def test_auto_keeps_float32_greedy_paraphrases(tmp_path, fixture):
    """In a fresh process, a generator under precision auto (bf16 chosen) encodes in bf16 and decodes in
    float32, so its greedy paraphrases of the fixtures' sentences are float32's token for token, both
    when measured and when the choice is remembered. (On these random-weight fixtures a whole-bf16
    model changes a greedy token at a near tie: "你好" on roformer_tf1, "怎么开通花呗" on bert_tf1.)"""
    texts = ["今天天气怎么样", "我想买一台新的笔记本电脑", "你好", "明天会下雨吗", "怎么开通花呗"]
    env = {**os.environ, "SIMSERVICE_CACHE_DIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([sys.executable, "-c", FRESH, str(FIXTURES / fixture), json.dumps(texts)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    for result in json.loads(run.stdout.splitlines()[-1]).values():
        assert result["precision"] == "mixed_bfloat16" and result["compute"] == "bfloat16"
        assert result["decoder"] == "float32" and all(result["same"]), result
        assert result["cosine"] >= auto.MIN_COSINE


def test_the_float32_twin_copies_float32_weights_only(roformer, roformer_int8):
    half = load_model(FIXTURES / "roformer_tf1", precision="mixed_float16")  # float32 weights
    twin = auto.float32_twin(half.model)
    assert twin.backbone.compute_dtype == "float32" and len(twin.weights) == len(roformer.model.weights)
    for mine, reference in zip(twin.weights, roformer.model.weights):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
    # Weights that are not float32's, so load float32 from the files instead: int8 kernels, and a
    # bfloat16 model's weights (stored rounded to bfloat16).
    assert auto.float32_twin(roformer_int8.model) is None
    assert auto.float32_twin(load_model(FIXTURES / "roformer_tf1", precision="mixed_bfloat16").model) is None
