"""Benchmark of the HTTP service: /similar and /paraphrase with batching on and off, one run.

Starts the real server (uvicorn, loopback only) twice on the same model: once with batching
(max_batch_size 32) and once without (max_batch_size 1), seeds the default collection over
HTTP, then drives each route with a fixed number of concurrent keep-alive clients for a fixed
time and reports throughput and p50/p99 latency. Ratios are batched over unbatched, measured
in the same run on the same machine.

    nice -n 10 python bench/serve.py --clients 32 --seconds 10 > bench/results/serve.md

Without --model it uses models/demo when present, else writes a random-weight model of the
small release shape (6 layers, hidden 384) with the test vocabulary to a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
HOST = "127.0.0.1"  # loopback only


def small_random_model(directory: str) -> str:
    """A RoFormer of the small release shape with random weights, written as a TF1 checkpoint."""
    from simservice.model import ModelConfig, SimModel, Tokenizer
    from simservice.model.checkpoint_writer import save_tf1

    tokenizer = Tokenizer.from_file(os.path.join(ROOT, "tests", "fixtures", "vocab.txt"))
    config = ModelConfig(vocab_size=tokenizer.vocab_size, hidden_size=384, num_layers=6, num_heads=6,
                         intermediate_size=1536)
    return str(save_tf1(SimModel(config), tokenizer, os.path.join(directory, "small-random")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get_json(port: int, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


class Server:
    """The service in a child process, configured through SIMSERVICE_* variables."""

    def __init__(self, model: str, data_dir: str, batch_size: int):
        self.port = free_port()
        env = dict(os.environ, SIMSERVICE_MODEL=model, SIMSERVICE_DATA_DIR=data_dir,
                   SIMSERVICE_MAX_BATCH_SIZE=str(batch_size), SIMSERVICE_MAX_CONCURRENT_REQUESTS="512",
                   SIMSERVICE_REQUEST_TIMEOUT="120", TF_CPP_MIN_LOG_LEVEL="2")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "simservice.serving.api.app:create_app",
             "--host", HOST, "--port", str(self.port), "--log-level", "warning"],
            env=env, cwd=ROOT)
        try:
            self._wait_ready(time.monotonic() + 300)
        except BaseException:
            self.stop()  # never leave a server behind
            raise

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if get_json(self.port, "/ready")["status"] == "ok":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready after 300 s: " + self._reason())
            time.sleep(0.2)

    def _reason(self) -> str:
        try:
            get_json(self.port, "/ready")
        except urllib.error.HTTPError as exc:
            return exc.read().decode(errors="replace")[:300]
        except OSError as exc:
            return str(exc)
        return "ready now"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


async def one_client(port: int, path: str, bodies, stop_at: float, measure_from: float, out: list, errors: list):
    """A keep-alive HTTP/1.1 client sending requests back to back until `stop_at`."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.monotonic() < stop_at:
            data = json.dumps(next(bodies), ensure_ascii=False).encode()
            start = time.monotonic()
            writer.write(f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            end = time.monotonic()
            if measure_from <= end <= stop_at:  # completed inside the measured window
                (out if status == 200 else errors).append(end - start)
    finally:
        writer.close()


async def drive(port: int, path: str, make_body, clients: int, seconds: float, warmup: float) -> dict:
    counter = iter(range(10**9))

    def bodies():
        while True:
            yield make_body(next(counter))

    latencies: list[float] = []
    errors: list[float] = []
    begin = time.monotonic()
    measure_from, stop_at = begin + warmup, begin + warmup + seconds
    await asyncio.gather(*(one_client(port, path, bodies(), stop_at, measure_from, latencies, errors)
                           for _ in range(clients)))
    latencies.sort()
    pick = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else \
        (lambda q: float("nan"))
    return {"requests": len(latencies), "errors": len(errors), "rps": len(latencies) / seconds,
            "p50": pick(0.50), "p99": pick(0.99)}


def queries(count: int, seed: int = 0) -> list[str]:
    from simservice.model.tokenizer import load_vocab

    vocab = load_vocab(os.path.join(ROOT, "tests", "fixtures", "vocab.txt"))
    chars = [t for t in vocab if len(t) == 1 and "\u4e00" <= t <= "\u9fff"]
    rng = random.Random(seed)
    return ["".join(rng.choices(chars, k=rng.randint(6, 20))) for _ in range(count)]


def batch_metric(port: int) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=30) as response:
        text = response.read().decode()
    parts = {}
    for line in text.splitlines():
        for kind in ("encode", "paraphrase"):
            for stat in ("sum", "count"):
                if line.startswith(f'simservice_batch_size_{stat}{{kind="{kind}"}}'):
                    parts[(kind, stat)] = float(line.split()[-1])
    return ", ".join(f"{kind} {parts[(kind, 'sum')] / parts[(kind, 'count')]:.1f}"
                     for kind in ("encode", "paraphrase") if parts.get((kind, "count")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="checkpoint directory (default: models/demo, else a random small model)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per route and mode")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds before each measurement")
    parser.add_argument("--corpus", type=int, default=2000, help="items indexed before /similar is driven")
    parser.add_argument("--n", type=int, default=8, help="paraphrase samples per request")
    parser.add_argument("--max-length", type=int, default=16, help="paraphrase tokens per sample")
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 0 < args.seconds <= 300:
        parser.error("keep --clients within 1-256 and --seconds within 0-300")

    workdir = tempfile.mkdtemp(prefix="bench-serve-")
    model = args.model or (os.path.join(ROOT, "models", "demo") if os.path.isdir(os.path.join(ROOT, "models", "demo"))
                           else small_random_model(workdir))
    corpus, asks = queries(args.corpus, seed=1), queries(1000, seed=2)
    routes = {
        "/similar": lambda i: {"text": asks[i % len(asks)], "k": 10},
        "/paraphrase": lambda i: {"text": asks[i % len(asks)], "n": args.n, "k": 4,
                                  "max_length": args.max_length, "seed": i},
    }
    rows = []
    for mode, batch_size in (("batched", 32), ("unbatched", 1)):
        server = Server(model, os.path.join(workdir, mode), batch_size)
        try:
            for start in range(0, len(corpus), 64):
                items = [{"id": f"c{start + j}", "text": t} for j, t in enumerate(corpus[start:start + 64])]
                get_json(server.port, "/collections/default/items", {"items": items})
            info = get_json(server.port, "/info")
            for path, make_body in routes.items():
                result = asyncio.run(drive(server.port, path, make_body, args.clients, args.seconds, args.warmup))
                rows.append((mode, path, result))
                print(f"{mode:9} {path:12} {result}", file=sys.stderr)
            mean_batches = batch_metric(server.port)
            print(f"{mode}: mean batch sizes {mean_batches}", file=sys.stderr)
            rows.append((mode, "batches", mean_batches))
        finally:
            server.stop()

    print("# /similar and /paraphrase through HTTP, batching on vs off\n")
    print(f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"model {os.path.relpath(model, ROOT) if model.startswith(ROOT) else os.path.basename(model)} "
          f"(dim {info['dim']}); {args.clients} concurrent clients, {args.seconds:g} s per cell after "
          f"{args.warmup:g} s warm-up; {args.corpus} items indexed; paraphrase n={args.n}, k=4, "
          f"max_length={args.max_length}.\n")
    print("| route | mode | requests | errors | req/s | p50 ms | p99 ms | req/s ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    table = {(mode, path): r for mode, path, r in rows if path != "batches"}
    for path in routes:
        base = table[("unbatched", path)]["rps"]
        for mode in ("batched", "unbatched"):
            r = table[(mode, path)]
            ratio = f"{r['rps'] / base:.2f}x" if base else "n/a"
            print(f"| {path} | {mode} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['p50']:.1f} | "
                  f"{r['p99']:.1f} | {ratio} |")
    print()
    for mode, path, r in rows:
        if path == "batches":
            print(f"- {mode}: mean batch size {r}")


if __name__ == "__main__":
    main()
