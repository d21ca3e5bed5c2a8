"""Soak: N minutes of mixed traffic against a real `simservice serve`, then every acknowledged
write checked, before and after a kill -9 and restart.

Clients upsert, delete, search (/similar) and paraphrase, each on its own ids (so the last
acknowledged write of an id is its expected state). The server's RSS is sampled every second;
latency is compared between the first and the last tenth of the run (a ratio in the same run:
drift, not speed). Prints a Markdown table; writes bench/results/soak.json.

    .venv/bin/python bench/soak.py --minutes 10 --clients 8
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import machine, write_result  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = "今天 天气 不错 明天 下雨 北京 上海 花呗 开通 如何 怎么 电影 好看 喜欢 音乐 工作 学习 银行 信用卡 还款".split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: str, data_dir: str, port: int, *flags: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "simservice", "serve", "--model", model, "--data-dir", data_dir,
                                "--port", str(port), "--log-level", "warning", *flags], cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before it was ready")
        time.sleep(0.5)
    raise SystemExit("the server was not ready within 300 s")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


class Client(threading.Thread):
    """One client: a random mix of operations on its own ids until `stop` is set."""

    def __init__(self, number: int, base: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.ids = [f"c{number}-{i}" for i in range(200)]
        self.expected: dict[str, str | None] = {}  # id -> text of its last acknowledged upsert, None if deleted
        self.samples: list[tuple[float, str, float, int]] = []  # (time, op, seconds, status)
        self.http = httpx.Client(base_url=base, timeout=60)
        self.stop = stop

    def text(self) -> str:
        return "".join(self.rng.sample(WORDS, self.rng.randint(2, 6)))

    def run(self) -> None:
        while not self.stop.is_set():
            op = self.rng.choices(["upsert", "delete", "similar", "paraphrase"], [4, 1, 4, 1])[0]
            if op == "upsert":
                batch = {i: self.text() for i in self.rng.sample(self.ids, self.rng.randint(1, 8))}
                body = {"items": [{"id": i, "text": t, "metadata": {"client": self.name}} for i, t in batch.items()]}
                status = self.call(op, "/collections/default/items", body)
                if status == 200:
                    self.expected.update(batch)
            elif op == "delete":
                ids = self.rng.sample(self.ids, self.rng.randint(1, 4))
                if self.call(op, "/collections/default/items/delete", {"ids": ids}) == 200:
                    self.expected.update(dict.fromkeys(ids))
            elif op == "similar":
                self.call(op, "/similar", {"text": self.text(), "k": 10})
            else:
                self.call(op, "/paraphrase", {"text": self.text(), "n": 8, "k": 3, "max_length": 16})

    def call(self, op: str, path: str, body: dict) -> int:
        start = time.perf_counter()
        try:
            status = self.http.post(path, json=body).status_code
        except httpx.HTTPError:
            status = 0
        self.samples.append((time.monotonic(), op, time.perf_counter() - start, status))
        return status


def lost_ids(base: str, clients: list[Client]) -> tuple[int, int]:
    """(acknowledged ids checked, ids whose stored state is not the last acknowledged one)."""
    checked = lost = 0
    with httpx.Client(base_url=base, timeout=60) as http:
        for client in clients:
            for item_id, text in client.expected.items():
                response = http.get(f"/collections/default/items/{item_id}")
                ok = response.status_code == 404 if text is None else (
                    response.status_code == 200 and response.json()["text"] == text)
                checked += 1
                lost += not ok
    return checked, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "demo"))
    args = parser.parse_args()
    data_dir, port = tempfile.mkdtemp(prefix="soak-"), free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.model, data_dir, port)
    stop = threading.Event()
    clients = [Client(i, base, stop) for i in range(args.clients)]
    rss = [(time.monotonic(), rss_mb(server.pid))]
    began = time.monotonic()
    for client in clients:
        client.start()
    while time.monotonic() - began < args.minutes * 60:
        time.sleep(1)
        rss.append((time.monotonic(), rss_mb(server.pid)))
    stop.set()
    for client in clients:
        client.join()
    ended = time.monotonic()
    health = httpx.get(base + "/health").status_code
    checked, lost = lost_ids(base, clients)
    server.send_signal(signal.SIGKILL)
    server.wait()
    server = start_server(args.model, data_dir, port)
    _, lost_after_kill = lost_ids(base, clients)
    server.terminate()
    server.wait(60)

    samples = [s for c in clients for s in c.samples]
    tenth = (ended - began) / 10
    first = [s[2] for s in samples if s[0] < began + tenth and s[3] == 200]
    last = [s[2] for s in samples if s[0] >= ended - tenth and s[3] == 200]
    statuses: dict[int, int] = {}
    for s in samples:
        statuses[s[3]] = statuses.get(s[3], 0) + 1
    ms = lambda values, q: float(np.percentile(values, q) * 1000) if values else float("nan")  # noqa: E731
    by_op = {op: [s[2] for s in samples if s[1] == op and s[3] == 200] for op in ("upsert", "delete", "similar",
                                                                                    "paraphrase")}
    result = {
        "minutes": args.minutes, "clients": args.clients, "requests": len(samples), "statuses": statuses,
        "rss_mb_start": rss[0][1], "rss_mb_after_first_tenth": next(r for t, r in rss if t >= began + tenth),
        "rss_mb_end": rss[-1][1], "rss_mb_max": max(r for _, r in rss),
        "p50_ms": ms([s[2] for s in samples], 50), "p99_ms": ms([s[2] for s in samples], 99),
        "p50_last_over_first_tenth": ms(last, 50) / ms(first, 50) if first and last else None,
        "by_op_p50_p99_ms": {op: (ms(v, 50), ms(v, 99), len(v)) for op, v in by_op.items()},
        "errors": sum(n for code, n in statuses.items() if code not in (200, 429, 503)),
        "ids_checked": checked, "ids_lost": lost, "ids_lost_after_kill_9": lost_after_kill,
        "health_after": health, "machine": machine(),
    }
    write_result("soak", result)
    print(f"\n{args.minutes:g} min, {args.clients} clients, {len(samples)} requests, statuses {statuses}\n")
    print("| RSS start | RSS after 1/10 | RSS end | RSS max | p50 | p99 | p50 last/first tenth | errors | "
          "ids checked | lost | lost after kill -9 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {result['rss_mb_start']:.0f} MB | {result['rss_mb_after_first_tenth']:.0f} MB | "
          f"{result['rss_mb_end']:.0f} MB | {result['rss_mb_max']:.0f} MB | {result['p50_ms']:.0f} ms | "
          f"{result['p99_ms']:.0f} ms | {result['p50_last_over_first_tenth'] or float('nan'):.2f} | "
          f"{result['errors']} | {checked} | {lost} | {lost_after_kill} |")
    print("\n| op | p50 | p99 | ok |\n|---|---|---|---|")
    for op, (p50, p99, n) in result["by_op_p50_p99_ms"].items():
        print(f"| {op} | {p50:.0f} ms | {p99:.0f} ms | {n} |")


if __name__ == "__main__":
    main()
