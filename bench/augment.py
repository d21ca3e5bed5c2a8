"""Dataset augmentation speed: `simservice augment` (many rows decoded together) against a client
that calls /paraphrase one sentence at a time with 8 concurrent connections, and against the
background job API, in one run on the same machine and model, the three alternating for `--rounds` rounds (the
machine's load moves; each figure is the best of its rounds).

    .venv/bin/python bench/augment.py --rows 2000      # AFQMC dev questions, n=32, k=5

The first `--rows` distinct questions of ../shared/data/dev/afqmc_dev.tsv are augmented with
n=32 samples, k=5 kept, max_length 32, top-p 0.95, the default filters, on models/demo.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import machine, write_result  # noqa: E402
from serve import HOST, Server, get_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "dev", "afqmc_dev.tsv")
sys.path.insert(0, ROOT)


def questions(count: int) -> list[str]:
    seen: dict[str, None] = {}
    with open(DATA, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            seen.setdefault(row["sentence1"], None)
            if len(seen) == count:
                break
    return list(seen)


def local_generator(model_dir: str, texts: list[str], args):
    from simservice import load_model
    from simservice.augment.generators import LocalGenerator, Sampling
    from simservice.datafiles import Row

    generator = LocalGenerator(load_model(model_dir), Sampling(args.n, 0.95, args.max_length, 0.0, 0))
    generator.candidates([Row(0, 1, texts[0], None)])  # traces the compiled functions
    return generator


def local_run(generator, texts: list[str], args) -> float:
    from simservice.augment.filters import Filters
    from simservice.augment.output import Output
    from simservice.datafiles import Row
    from simservice.augment.run import augment

    rows = [Row(i, i + 1, t, None) for i, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp:
        output = Output(Path(tmp, "out.tsv"), "txt", None, "text")
        start = time.perf_counter()
        summary = augment(rows, generator, Filters(), args.k, output, {}, progress=False)
        seconds = time.perf_counter() - start
    print(f"  augment (local):   {seconds:7.1f} s, {summary.kept} kept", flush=True)
    return seconds


def client_run(port: int, texts: list[str], args) -> float:
    def ask(text: str) -> int:
        body = {"text": text, "n": args.n, "k": args.k, "max_length": args.max_length}
        return len(get_json(port, "/paraphrase", body)["result"])

    ask(texts[0])
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        kept = sum(pool.map(ask, texts))
    seconds = time.perf_counter() - start
    print(f"  /paraphrase x 8 clients: {seconds:7.1f} s, {kept} returned", flush=True)
    return seconds


def job_run(port: int, texts: list[str], args) -> float:
    body = {"rows": [{"text": t} for t in texts], "n": args.n, "k": args.k, "max_length": args.max_length}
    start = time.perf_counter()
    job = get_json(port, "/jobs/augment", body)
    while (status := get_json(port, f"/jobs/{job['id']}"))["status"] == "running":
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    with urllib.request.urlopen(f"http://{HOST}:{port}/jobs/{job['id']}/result", timeout=60) as response:
        kept = sum(1 for _ in response)
    print(f"  /jobs/augment:     {seconds:7.1f} s, {kept} kept ({status['status']})", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=32)
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "demo"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    texts = questions(args.rows)
    print(f"{len(texts)} questions, n={args.n}, k={args.k}, max_length={args.max_length}, model {args.model}")
    generator = local_generator(args.model, texts, args)
    local, client, job = [], [], []
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(args.model, data_dir, batch_size=32)
        try:
            for _ in range(args.rounds):
                local.append(local_run(generator, texts, args))
                client.append(client_run(server.port, texts, args))
                job.append(job_run(server.port, texts, args))
        finally:
            server.stop()
    local_s, client_s, job_s = min(local), min(client), min(job)
    rows = len(texts)
    result = {"machine": machine(), "rows": rows, "n": args.n, "k": args.k, "max_length": args.max_length,
              "rows_per_second": {"augment_local": round(rows / local_s, 2),
                                  "paraphrase_8_clients": round(rows / client_s, 2),
                                  "jobs_augment": round(rows / job_s, 2)},
              "speedup_over_8_clients": {"augment_local": round(client_s / local_s, 2),
                                         "jobs_augment": round(client_s / job_s, 2)}}
    print(json.dumps(result["rows_per_second"]), json.dumps(result["speedup_over_8_clients"]))
    write_result("augment", result)


if __name__ == "__main__":
    main()
