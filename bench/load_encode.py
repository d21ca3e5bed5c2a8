"""Load time (load + first encode) and encode throughput of models, alternated twice in one process
(shared, noisy machine): 1,024 distinct LCQMC dev sentences in batches of 32.

    .venv/bin/python bench/load_encode.py [--precision P] models/demo OTHER_MODEL

`--precision` (default float32) is passed to `load_model` for every model; with `auto` the first
load measures and remembers the choice (`SIMSERVICE_CACHE_DIR`), so load times are of the second round.
"""

import sys
import time
from pathlib import Path

from simservice import load_model
from simservice.evaluation.pairs_file import read_labelled_pairs

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev" / "lcqmc_dev.tsv"


def main(paths: list[str], precision: str = "float32") -> None:
    texts = list(dict.fromkeys(read_labelled_pairs(DEV).first))[:1024]
    for round_ in range(2):
        for path in paths:
            start = time.perf_counter()
            model = load_model(path, precision=precision)
            model.encode(texts[:8])
            load = time.perf_counter() - start
            start = time.perf_counter()
            for i in range(0, len(texts), 32):
                model.encode(texts[i:i + 32])
            rate = len(texts) / (time.perf_counter() - start)
            tokens = sum(len(x) for x in model.tokenizer.encode_batch(texts)) / len(texts)
            print(f"round {round_} {path} ({model.precision}): load+warm {load:.2f} s, encode {rate:.0f} texts/s, "
                  f"{tokens:.1f} tokens/text", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--precision"]:
        main(args[2:], args[1])
    else:
        main(args)
