"""mixed_bfloat16 with its weights stored in bfloat16 (as `load_model` serves it) against Keras's
mixed_bfloat16 with float32 weights (cast to bfloat16 on every call) and float32, in one process.

    .venv/bin/python bench/bf16_weights.py [MODEL_DIR] [--rounds 3]

Each round, interleaved: single texts (8 LCQMC dev sentences one at a time, ms a text) and one
batch of 32 (sentences/s), median of 5 timings after a warm-up; cosine of each way's vectors to
float32's on the 32. 2 threads (TensorFlow intra-op 2, inter-op 1), tf.function (no XLA).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)

from common import cosines, ms_a_text, timed, write_result  # noqa: E402
from peers import cpu, sentences, uptime  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def float32_weights_in_mixed(pipeline):
    """`pipeline` re-served by a Keras mixed_bfloat16 model holding its float32 weights."""
    from simservice.inference.pipeline import SimPipeline
    from simservice.model.loader import build_model

    model = build_model(pipeline.model.config, "mixed_bfloat16")
    for mine, theirs in zip(model.weights, pipeline.model.weights, strict=True):
        mine.assign(theirs)
    return SimPipeline(model, pipeline.tokenizer, pipeline.limits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="../bench-e5")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "dev" / "lcqmc_dev.tsv"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from simservice import load_model

    texts = sentences(Path(args.data), 32)
    float32 = load_model(args.model, max_batch_rows=32, max_batch_tokens=32 * 128)
    ways = {"float32": lambda: float32,
            "mixed_bfloat16, float32 weights (Keras)": lambda: float32_weights_in_mixed(float32),
            "mixed_bfloat16, bfloat16 weights (served)": lambda: load_model(
                args.model, max_batch_rows=32, max_batch_tokens=32 * 128, precision="mixed_bfloat16")}
    ids = float32.tokenizer.encode_batch(texts, prompt=float32.tokenizer.prompts.text(None))
    reference = float32.embed(ids)
    rows = {name: {"ms_a_text": [], "sent_per_s": []} for name in ways}
    before = uptime()
    cosine_min = {}
    for _ in range(args.rounds):
        for name, make in ways.items():
            pipeline = make()
            rows[name]["ms_a_text"].append(round(ms_a_text(pipeline.embed, ids), 2))
            rows[name]["sent_per_s"].append(round(len(ids) / timed(lambda: pipeline.embed(ids), 5, 2), 1))
            vectors = np.asarray(pipeline.embed(ids), dtype=np.float32)
            cosine_min[name] = round(float(cosines(vectors, reference).min()), 6)
    info = cpu()
    print(f"lscpu model name: {info['model_name']}, CPU(s) {info['cpus']}; flags: {info['flags']}")
    print(f"{args.model}; {args.rounds} rounds, interleaved; uptime before: {before}; after: {uptime()}")
    print("| way | ms a text (rounds) | batch 32 sent/s (rounds) | min cosine to float32 |")
    print("|---|---|---|---:|")
    for name, row in rows.items():
        print(f"| {name} | {' / '.join(map(str, row['ms_a_text']))} | "
              f"{' / '.join(map(str, row['sent_per_s']))} | {cosine_min[name]} |")
    write_result("bf16_weights", {"machine": info, "model": args.model, "rows": rows, "cosine_min": cosine_min})


if __name__ == "__main__":
    main()
