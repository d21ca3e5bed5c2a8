"""One run of the model-side numbers a GPU machine is judged by, printed as one table:
encode throughput (fp32, mixed float16, XLA), paraphrase n=32 cached vs uncached (one request)
and batched vs one by one (16 requests), and the GPU's peak memory. `bench/gpu.sh` runs it
with the HTTP bench after it; on a machine without a GPU both run on the CPU with tiny sizes.

    .venv/bin/python bench/gpu.py --shape base    # random weights of the base release shape
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import SHAPES, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SIZES = {  # shape -> (texts encoded, paraphrase requests batched, n, max_length)
    "tiny": (64, 4, 8, 8),
    "small": (512, 16, 32, 32),
    "base": (2048, 16, 32, 32),
}
TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑", "怎么开通花呗", "北京到上海的高铁要多久",
         "这部电影好看吗", "如何提高英语口语", "手机充不进电怎么办", "周末去哪里玩比较好"]


def write_model(shape: str, directory: str) -> str:
    """A RoFormer of `shape` with random weights and the test vocabulary, as an official TF1 checkpoint."""
    from simservice.model import ModelConfig, SimModel, Tokenizer
    from simservice.model.checkpoint_writer import save_tf1

    layers, hidden, heads, intermediate = SHAPES[shape]
    tokenizer = Tokenizer.from_file(os.path.join(ROOT, "tests", "fixtures", "vocab.txt"))
    config = ModelConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden, num_layers=layers, num_heads=heads,
                         intermediate_size=intermediate)
    return str(save_tf1(SimModel(config), tokenizer, os.path.join(directory, shape)))


def seconds(fn, repeats: int = 3) -> float:
    fn()  # warm-up: traces and compiles
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="base", choices=sorted(SIZES))
    parser.add_argument("--model", help="a checkpoint directory instead of random weights of --shape")
    args = parser.parse_args()
    import tensorflow as tf

    from simservice import load_model
    from simservice.inference.reference_decoder import generate_uncached

    gpus = tf.config.list_physical_devices("GPU")
    count, requests, n, max_length = SIZES[args.shape]
    texts = [TEXTS[i % len(TEXTS)] + str(i) for i in range(count)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = args.model or write_model(args.shape, tmp)
        precisions = [("fp32", "float32", False), ("XLA fp32", "float32", True)]
        precisions.append(("mixed float16", "mixed_float16", False) if gpus else
                          ("mixed bfloat16", "mixed_bfloat16", False))
        for name, precision, xla in precisions:
            model = load_model(path, precision=precision, jit_compile=xla)
            took = seconds(lambda: model.encode(texts))
            rows.append((f"encode, {name}", f"{count / took:,.0f} sentences/s", ""))
        model = load_model(path)
        one = dict(n=n, k=8, max_length=max_length, seed=0)
        cached = seconds(lambda: model.paraphrase(TEXTS[0], **one), repeats=2)
        uncached = seconds(lambda: generate_uncached(model, TEXTS[0], n, top_p=0.95, max_length=max_length, seed=0),
                           repeats=1)
        rows.append((f"paraphrase n={n}, cached vs uncached decoding", f"{cached:.2f} s vs {uncached:.2f} s",
                     f"{uncached / cached:.1f}x"))
        jobs = [model.paraphrase_job(TEXTS[i % len(TEXTS)], **one) for i in range(requests)]
        together = seconds(lambda: model.paraphrase_batch(jobs), repeats=2)
        alone = seconds(lambda: [model.paraphrase_batch([job]) for job in jobs], repeats=1)
        rows.append((f"{requests} paraphrase requests, batched vs one by one", f"{together:.2f} s vs {alone:.2f} s",
                     f"{alone / together:.1f}x"))
    if gpus:
        peak = tf.config.experimental.get_memory_info("GPU:0")["peak"]
        rows.append(("GPU memory, peak", f"{peak / 2**30:.2f} GiB", ""))
    device = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") if gpus else "no GPU (CPU)"
    info = machine()
    print(f"# simservice on {device}: shape {args.shape} ({info.get('cpu', '')}, {os.cpu_count()} cores)\n")
    print("| measure | result | ratio |")
    print("| --- | --- | ---: |")
    for row in rows:
        print(f"| {' | '.join(row)} |")


if __name__ == "__main__":
    main()
