"""The exported SavedModel, loaded by plain TensorFlow in a fresh process, gives simservice's numbers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.model_export.support import MODELS, TEXTS, client_tokenizer, padded, reference_next_logits, unilm_rows

# What a TF Serving client's server does with the request: no simservice import, only TensorFlow.
LOAD_AND_RUN = """
import json, sys
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
requests = json.load(sys.stdin)
answers = {}
for name, inputs in requests.items():
    signature = loaded.signatures[inputs.pop("signature")]
    outputs = signature(**{k: tf.constant(np.array(v, np.int32)) for k, v in inputs.items()})
    answers[name] = {k: v.numpy().tolist() for k, v in outputs.items()}
answers["signatures"] = sorted(loaded.signatures.keys())
json.dump(answers, sys.stdout)
"""


def run_fresh(directory: Path, requests: dict) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", LOAD_AND_RUN, str(directory)], input=json.dumps(requests),
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def as_request(signature: str, inputs: dict[str, np.ndarray]) -> dict:
    return {"signature": signature, **{k: v.tolist() for k, v in inputs.items()}}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_fresh_process_gives_encode_and_next_token_logits(model, exported, pipelines):
    directory = exported(model, "savedmodel")
    pipeline = pipelines(model)
    rows = client_tokenizer(directory).encode_batch(TEXTS)  # what a client has: the exported tokenizer file
    generated = [[5, 6], [7], [], [8, 9, 10]]
    unilm = unilm_rows(pipeline, TEXTS, generated)
    answers = run_fresh(directory, {
        "batch": as_request("serving_default", padded(rows)),
        "one_long_padded": as_request("serving_default", padded(rows[:1], length=len(rows[1]) + 5)),
        "next": as_request("next_token", unilm),
    })

    assert answers["signatures"] == ["next_token", "serving_default"]
    expected = pipeline.encode(TEXTS)
    vectors = np.array(answers["batch"]["sentence_vector"], np.float32)
    assert vectors.shape == expected.shape
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.array(answers["one_long_padded"]["sentence_vector"]), expected[:1], atol=1e-5)
    logits = np.array(answers["next"]["logits"], np.float32)
    assert logits.shape == (len(TEXTS), pipeline.config.vocab_size)
    np.testing.assert_allclose(logits, reference_next_logits(pipeline, unilm), atol=1e-4)


def test_beside_it_the_vocab_and_the_models_facts(exported, pipelines):
    directory = exported("bert", "savedmodel")
    pipeline = pipelines("bert")
    assert (directory / "vocab.txt").read_bytes() == (MODELS["bert"] / "vocab.txt").read_bytes()
    facts = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    assert facts["architecture"] == "bert" and facts["dim"] == pipeline.dim
    assert facts["tokenizer"]["max_length"] == pipeline.tokenizer.max_length
    assert facts["tokenizer"]["special_ids"]["sep"] == pipeline.tokenizer.sep_id
    assert facts["encoder"]["name"] == "serving_default" and facts["next_token"]["name"] == "next_token"


def test_saved_model_cli_lists_both_signatures(exported):
    cli = shutil.which("saved_model_cli") or shutil.which("saved_model_cli", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("saved_model_cli is not installed beside this Python")
    directory = exported("roformer", "savedmodel")
    done = subprocess.run([cli, "show", "--dir", str(directory), "--tag_set", "serve"], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SignatureDef key: \"serving_default\"" in done.stdout
    assert "SignatureDef key: \"next_token\"" in done.stdout
