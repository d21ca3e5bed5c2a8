"""Import speed: `simservice import` of short Chinese texts into a fresh FAISS collection on the demo
model (items/s, of which encoding, of which index writes), against the encoder alone on the same
texts in the same run (tokenize + forward, the same 512-text chunks); the import's overhead over
pure encoding is the figure to keep under 15%.

    .venv/bin/python bench/import.py --items 100000

Texts: ../shared/data/train/sentences.txt then the pairs' sentences, deduplicated, first --items.
The encoder baseline runs before and after the import; their mean is the baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import machine, write_result  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "train")
sys.path.insert(0, ROOT)


def texts(count: int) -> list[str]:
    seen: dict[str, None] = {}
    with open(os.path.join(DATA, "sentences.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                seen.setdefault(line.strip(), None)
    with open(os.path.join(DATA, "pairs.tsv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            seen.setdefault(row["sentence1"], None)
            seen.setdefault(row["sentence2"], None)
    found = list(seen)[:count]
    if len(found) < count:
        raise SystemExit(f"only {len(found)} distinct texts in {DATA}")
    return found


class Stopwatch:
    """Wraps a callable and sums the seconds spent in it."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def encode_only(pipeline, items: list[str], chunk: int) -> float:
    start = time.perf_counter()
    for first in range(0, len(items), chunk):
        pipeline.encode(items[first:first + chunk])
    return time.perf_counter() - start


def import_run(model: str, source: Path, work: Path, chunk: int, pipeline) -> dict:
    from simservice.datafiles import read_rows
    from simservice.corpus.importer import run_import
    from simservice.corpus.records import Columns, import_rows
    from simservice.corpus.targets import LocalTarget

    target = LocalTarget(str(work / "data"), "bench", model)
    target._pipeline = pipeline  # the model loaded once for both runs
    encoder = pipeline.encoder
    encode = Stopwatch(encoder.encode_ids)
    encoder.encode_ids = encode
    upsert = Stopwatch(target.store.upsert)
    target.store.upsert = upsert
    start = time.perf_counter()
    _, rows = read_rows(source, "jsonl", "text")
    summary = run_import(import_rows(rows, Columns()), target, work / "state.json", {"bench": True}, chunk=chunk,
                         progress=False)
    seconds = time.perf_counter() - start
    del encoder.encode_ids
    assert summary.added == target.count(), (summary.added, target.count())
    target.close()
    return {"seconds": seconds, "encode_seconds": encode.seconds, "upsert_seconds": upsert.seconds,
            "items": summary.added}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "demo"))
    parser.add_argument("--chunk", type=int, default=512)
    args = parser.parse_args()
    from simservice import load_model

    items = texts(args.items)
    pipeline = load_model(args.model)
    pipeline.encode(items[:args.chunk])  # warm-up: trace the forward pass once
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "texts.jsonl"
        source.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in items),
                          encoding="utf-8")
        before = encode_only(pipeline, items, args.chunk)
        run = import_run(args.model, source, work, args.chunk, pipeline)
        after = encode_only(pipeline, items, args.chunk)
    baseline = (before + after) / 2
    result = {
        "items": len(items), "model": os.path.relpath(args.model, ROOT), "chunk": args.chunk,
        "encoder_only_seconds": [round(before, 2), round(after, 2)],
        "import_seconds": round(run["seconds"], 2),
        "import_items_per_s": round(len(items) / run["seconds"], 1),
        "encoder_only_items_per_s": round(len(items) / baseline, 1),
        "import_encode_seconds": round(run["encode_seconds"], 2),
        "import_index_seconds": round(run["upsert_seconds"], 2),
        "import_other_seconds": round(run["seconds"] - run["encode_seconds"] - run["upsert_seconds"], 2),
        "overhead_over_encoding": round(run["seconds"] / baseline - 1, 3),
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))
    write_result("import", result)


if __name__ == "__main__":
    main()
