"""The cached decoder and gen_synonyms of one model in float32, in mixed_bfloat16, and as precision auto
serves a generator (the encoder in bf16, the decoder in float32), in interleaved rounds in one process;
and how many greedy paraphrases of the same sentences each gives exactly as float32 does.

    .venv/bin/python bench/decoder_precision.py [MODEL_DIR] [--rounds 3]

Each round: `generate(text, n=32, max_length=32, top_p=0.95, seed=0)` and `paraphrase(text, n=32, k=5,
seed=0)` of 8 short questions; the minimum of the rounds is reported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import timed

from simservice import load_model
from simservice.inference.auto_precision import with_float32_decoder

TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑", "明天会下雨吗", "怎么开通花呗", "微信和支付宝哪个好？",
         "这家餐厅的菜好吃吗", "北京到上海的高铁票多少钱", "推荐几部好看的电影"]


def every_text(fn) -> float:
    """Seconds of `fn` on each of TEXTS in turn (one pass; the rounds are interleaved by the caller)."""
    return timed(lambda: [fn(text) for text in TEXTS], repeats=1, warmup=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(Path(__file__).resolve().parents[1] / "models" / "demo"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    float32 = load_model(args.model)
    models = {"float32": float32, "mixed_bfloat16": load_model(args.model, precision="mixed_bfloat16"),
              "auto (bf16 encoder, float32 decoder)": with_float32_decoder(
                  load_model(args.model, precision="mixed_bfloat16"), float32.model)}
    greedy = {name: [m.generate(t, n=1, top_k=1, max_length=32) for t in TEXTS] for name, m in models.items()}
    best = {name: [float("inf"), float("inf")] for name in models}
    for name, m in models.items():  # warm-up: traces
        m.paraphrase(TEXTS[0], n=32, k=5, seed=0)
    for _ in range(args.rounds):
        for name, m in models.items():
            best[name][0] = min(best[name][0], every_text(lambda t: m.generate(t, n=32, max_length=32, top_p=0.95,
                                                                               seed=0)))
            best[name][1] = min(best[name][1], every_text(lambda t: m.paraphrase(t, n=32, k=5, seed=0)))
    base = best["float32"]
    print(f"{args.model}: {len(TEXTS)} texts, n=32, 32 tokens; minimum of {args.rounds} rounds")
    print("| precision | generate s | vs float32 | paraphrase s | vs float32 | greedy as float32 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (gen, para) in best.items():
        same = sum(a == b for a, b in zip(greedy[name], greedy["float32"]))
        print(f"| {name} | {gen:.2f} | {base[0] / gen:.2f}x | {para:.2f} | {base[1] / para:.2f}x | {same}/{len(TEXTS)} |")


if __name__ == "__main__":
    main()
