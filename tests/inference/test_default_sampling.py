"""A model's default sampling (`default_sampling`, `sampler.sampling_params`): its generation_config.json
decides what a paraphrase call that names no sampler, top_k or top_p samples with; every way in (the
Python API, HTTP, augment, export) keeps it."""

import json
import shutil

import pytest

from simservice.inference import default_sampling
from simservice.inference.load_pipeline import load_model
from simservice.inference.sampler import DEFAULT_SAMPLING, SamplingParams, sampling_params
from tests.paths import FIXTURES
from tests.serving.support import running_app

TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑", "怎么开通花呗"]


def with_config(tmp_path, config) -> str:
    folder = tmp_path / "model"
    shutil.copytree(FIXTURES / "roformer_tf1", folder)
    if config is not None:
        (folder / default_sampling.FILE).write_text(config if isinstance(config, str) else json.dumps(config))
    return str(folder)


@pytest.mark.parametrize("config, expected", [
    (None, {"top_p": 0.95}),
    ({"do_sample": True, "top_k": 5}, {"top_k": 5}),
    ({"do_sample": True, "top_k": 20, "top_p": 0.9, "temperature": 0.8},
     {"top_k": 20, "top_p": 0.9, "temperature": 0.8}),
    ({"temperature": 0.7, "max_new_tokens": 32}, {"top_p": 0.95, "temperature": 0.7}),  # no sampler named: top_p 0.95
    ({"do_sample": False, "top_k": 50}, {"top_k": 1}),  # Hugging Face's greedy
    ({"top_p": None, "top_k": 5}, {"top_k": 5}),
])
def test_read_takes_the_sampling_keys(tmp_path, config, expected):
    assert default_sampling.read(with_config(tmp_path, config)) == expected


@pytest.mark.parametrize("config, message", [
    ("{not json", "not a readable JSON file"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"top_p": 1.5}), "top_p must be > 0.0 and <= 1.0, got 1.5"),
    (json.dumps({"top_k": "five"}), "top_k must be an integer"),
])
def test_a_bad_file_is_refused_by_name_before_the_weights_load(tmp_path, config, message):
    folder = with_config(tmp_path, config)
    with pytest.raises(ValueError, match=message) as caught:
        load_model(folder)
    assert default_sampling.FILE in str(caught.value)


@pytest.mark.parametrize("knobs", [{"top_k": 1}, {"top_k": 5}, {"top_p": 0.9, "temperature": 0.8}])
def test_write_then_read_is_the_same(tmp_path, knobs):
    default_sampling.write(tmp_path, knobs)
    assert default_sampling.read(tmp_path) == knobs


def test_write_leaves_the_fallback_unwritten(tmp_path):
    default_sampling.write(tmp_path, dict(DEFAULT_SAMPLING))
    assert not (tmp_path / default_sampling.FILE).exists()


def test_a_call_naming_no_sampler_takes_the_default_and_named_knobs_win():
    default = {"top_k": 5, "temperature": 0.8}
    assert sampling_params(None, {}, default) == SamplingParams(top_k=5, temperature=0.8)
    assert sampling_params(None, {"top_k": None, "top_p": None, "min_p": 0.1}, default) == SamplingParams(
        top_k=5, temperature=0.8, min_p=0.1)
    assert sampling_params(None, {"temperature": 1.2}, default) == SamplingParams(top_k=5, temperature=1.2)
    # naming top_k, top_p or a sampler replaces the default sampler, and with it its knobs
    assert sampling_params(None, {"top_p": 0.9}, default) == SamplingParams(top_p=0.9)
    assert sampling_params(None, {"top_k": 30}, default) == SamplingParams(top_k=30)
    assert sampling_params("random", {}, default) == SamplingParams(strategy="random")
    assert sampling_params(None, {}) == SamplingParams(top_p=0.95)
    # a sampler named without the knob it needs takes it from the default, else from top_p 0.95
    assert sampling_params("top_k", {}, default) == SamplingParams(strategy="top_k", top_k=5)
    assert sampling_params("top_p", {}, default) == SamplingParams(strategy="top_p", top_p=0.95)
    assert sampling_params("top_p", {"top_k": 8}, {"top_p": 0.8}) == SamplingParams(strategy="top_p", top_k=8,
                                                                                      top_p=0.8)
    with pytest.raises(ValueError, match="top_k"):
        sampling_params("top_k", {})  # top_p 0.95 has no k to lend


def test_paraphrase_samples_with_the_models_default(tmp_path):
    model = load_model(with_config(tmp_path, {"do_sample": True, "top_k": 5}))
    plain = load_model(FIXTURES / "roformer_tf1")
    assert model.default_sampling == {"top_k": 5} and plain.default_sampling == {"top_p": 0.95}
    for text in TEXTS:
        mine = model.paraphrase(text, n=8, k=8, seed=3, max_length=8)
        assert mine == plain.paraphrase(text, n=8, k=8, seed=3, max_length=8, top_k=5)
        assert model.paraphrase(text, n=8, k=8, seed=3, max_length=8, top_p=0.95) == plain.paraphrase(
            text, n=8, k=8, seed=3, max_length=8)


def test_http_paraphrase_and_info_use_the_models_default(tmp_path):
    model = load_model(with_config(tmp_path, {"do_sample": True, "top_k": 5}))
    plain = load_model(FIXTURES / "roformer_tf1")
    body = {"texts": TEXTS, "n": 8, "k": 8, "max_length": 8, "seed": 3}
    with running_app(model, tmp_path / "index") as client:
        assert client.get("/info").json()["default_sampling"] == {"top_k": 5}
        by_default = client.post("/paraphrase", json=body)
        by_name = client.post("/paraphrase", json={**body, "top_k": 5, "top_p": None})
        nucleus = client.post("/paraphrase", json={**body, "top_p": 0.95})
    assert by_default.status_code == by_name.status_code == nucleus.status_code == 200, by_default.text
    assert by_default.json() == by_name.json()
    for text, result in zip(TEXTS, nucleus.json()["results"]):
        expected = plain.paraphrase(text, n=8, k=8, seed=3, max_length=8, top_p=0.95)
        assert [r["text"] for r in result] == [t for t, _ in expected]


def test_augment_samples_with_the_models_default(tmp_path):
    from simservice.augment.generators import LocalGenerator, Sampling
    from simservice.datafiles.reader import rows_from_records

    model = load_model(with_config(tmp_path, {"do_sample": True, "top_k": 5}))
    rows = rows_from_records([{"text": text} for text in TEXTS], "text")
    by_default = LocalGenerator(model, Sampling(8, None, 8, 0.0, 3)).candidates(rows)
    by_name = LocalGenerator(model, Sampling(8, None, 8, 0.0, 3, {"top_k": 5})).candidates(rows)
    nucleus = LocalGenerator(model, Sampling(8, 0.95, 8, 0.0, 3)).candidates(rows)
    assert by_default == by_name and by_default != nucleus


def test_an_hf_export_keeps_the_default(tmp_path, capsys):
    from simservice.cli import main
    from simservice.training.run import train
    from tests.training.helpers import tiny_options

    trained = train(tiny_options(tmp_path / "run", init=FIXTURES / "families" / "e5", steps=1))
    default_sampling.write(trained, {"top_k": 5})
    assert main(["export-model", "--model", str(trained), "--format", "hf", "-o", str(tmp_path / "out")]) == 0
    assert json.loads((tmp_path / "out" / default_sampling.FILE).read_text()) == {"do_sample": True, "top_k": 5}
    assert load_model(tmp_path / "out").default_sampling == {"top_k": 5}
