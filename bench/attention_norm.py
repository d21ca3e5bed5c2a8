"""The encoder's attention as fused batched matmuls and LayerNorm as oneDNN's kernel, against the
attention and LayerNorm before them, in one process.

    .venv/bin/python bench/attention_norm.py [MODEL_DIR] [--rounds 3] [--precisions ...]

Three ways per precision, each a pipeline loaded as `load_model` serves it, traced once:
- "before": the attention of the commit before (einsums over [batch, length, heads, size], the
  mask by `where`, softmax in float32) and Keras's LayerNorm chain;
- "attention": the shipped attention ([batch, heads, length, size], scale and mask fused into
  the scores' batched matmul), Keras's LayerNorm (`fused_kernels` off);
- "attention + LayerNorm": as shipped (oneDNN's layer-norm kernel from `FUSED_MIN_ROWS` rows).
Each round, interleaved: single texts (8 LCQMC dev sentences one at a time, ms a text), one batch
of 32 (sentences/s) and a batch of 16 long texts (6 dev sentences joined, ~70 tokens; sentences/s),
median of 5 timings after a warm-up; min cosine of each way's vectors to "before" on the 32.
2 threads (TensorFlow intra-op 2, inter-op 1), tf.function (no XLA).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)

from common import cosines, ms_a_text, timed, write_result  # noqa: E402
from peers import cpu, sentences, uptime  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def attention_before(self, x, attention_mask, rotary=None, cache=None, cache_index=None, training=False):
    """SelfAttention.call as it was (no cache: the encoder's path)."""
    from keras import ops

    from simservice.model.attention import MASK_VALUE
    from simservice.model.rotary import apply_rotary

    q, k, v = (self._split_heads(dense(x)) for dense in (self.query, self.key, self.value))
    if self.rotary:
        sin, cos = rotary
        q, k = apply_rotary(q, sin, cos), apply_rotary(k, sin, cos)
    scores = ops.cast(ops.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.head_size), "float32")
    scores = ops.where(attention_mask[:, None, :, :], scores, MASK_VALUE)
    weights = ops.cast(ops.softmax(scores, axis=-1), v.dtype)
    out = ops.einsum("bhqk,bkhd->bqhd", weights, v)
    shape = ops.shape(out)
    return self.output_dense(ops.reshape(out, (shape[0], shape[1], self.num_heads * self.head_size))), None


def load(model: str, precision: str, way: str, warm: list):
    """A pipeline whose encoder was traced (on `warm`) under `way`."""
    from simservice import load_model
    from simservice.model.attention import SelfAttention

    pipeline = load_model(model, max_batch_rows=32, max_batch_tokens=32 * 256, precision=precision)
    shipped = SelfAttention.call
    if way == "before":
        SelfAttention.call = attention_before
    pipeline.encoder._fused_kernels = way == "attention + LayerNorm"
    try:
        pipeline.embed(warm)  # traces the encoder's forward, once for every shape
    finally:
        SelfAttention.call = shipped
    return pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="../bench-e5")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "dev" / "lcqmc_dev.tsv"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precisions", nargs="+", default=["mixed_bfloat16", "float32"])
    args = parser.parse_args()

    texts = sentences(Path(args.data), 32)
    longs = ["".join(texts[i:i + 6]) for i in range(16)]
    ways = ["before", "attention", "attention + LayerNorm"]
    rows, cosine_min = {}, {}
    before = uptime()
    for precision in args.precisions:
        pipelines = {}
        for way in ways:
            pipelines[way] = load(args.model, precision, way, [[1, 2, 3]])
        tokenizer = pipelines["before"].tokenizer
        ids = tokenizer.encode_batch(texts, prompt=tokenizer.prompts.text(None))
        long_ids = tokenizer.encode_batch(longs, prompt=tokenizer.prompts.text(None))
        reference = np.asarray(pipelines["before"].embed(ids), np.float32)
        for way in ways:
            rows[(precision, way)] = {"ms_a_text": [], "batch32": [], "long16": []}
        for _ in range(args.rounds):
            for way, pipeline in pipelines.items():
                row = rows[(precision, way)]
                row["ms_a_text"].append(round(ms_a_text(pipeline.embed, ids), 2))
                row["batch32"].append(round(len(ids) / timed(lambda: pipeline.embed(ids), 5, 2), 1))
                row["long16"].append(round(len(long_ids) / timed(lambda: pipeline.embed(long_ids), 5, 1), 1))
        for way, pipeline in pipelines.items():
            vectors = np.asarray(pipeline.embed(ids), np.float32)
            cosine_min[(precision, way)] = round(float(cosines(vectors, reference).min()), 6)
    info = cpu()
    print(f"lscpu model name: {info['model_name']}, CPU(s) {info['cpus']}; flags: {info['flags']}")
    print(f"{args.model}; {args.rounds} rounds, interleaved; long texts up to {max(map(len, long_ids))} tokens; "
          f"uptime before: {before}; after: {uptime()}")
    print("| precision | way | ms a text (rounds) | batch 32 sent/s | batch 16 long sent/s | min cosine to before |")
    print("|---|---|---|---|---|---:|")
    for (precision, way), row in rows.items():
        print(f"| {precision} | {way} | {' / '.join(map(str, row['ms_a_text']))} | "
              f"{' / '.join(map(str, row['batch32']))} | {' / '.join(map(str, row['long16']))} | "
              f"{cosine_min[(precision, way)]} |")
    write_result("attention_norm", {"machine": info, "model": args.model,
                                    "rows": {f"{p} / {w}": r for (p, w), r in rows.items()},
                                    "cosine_min": {f"{p} / {w}": c for (p, w), c in cosine_min.items()}})


if __name__ == "__main__":
    main()
