"""Stalled readers: N clients ask a real `simservice serve` for an export with vectors and never
read it; the server's RSS is sampled while they stall and after they close, and the readers the
server dropped (its send timeout) are counted. Bounded: at most --readers sockets, --seconds watched.

    .venv/bin/python bench/stalled_readers.py --readers 120 --items 5000 --seconds 20 --send-timeout 5
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time

import httpx
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import machine, write_result  # noqa: E402
from soak import free_port, rss_mb, start_server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fill(data_dir: str, items: int, dim: int) -> None:
    """A collection `bench` of `items` random unit vectors, written straight into the data directory."""
    from simservice.index import FaissCollections, Item

    rng = np.random.default_rng(0)
    manager = FaissCollections(data_dir)
    store = manager.create("bench", dim)
    vectors = rng.standard_normal((items, dim), dtype=np.float32)
    for first in range(0, items, 1000):
        store.upsert([Item(f"item-{i:07d}", vectors[i], f"第{i}条文本", {"n": i}) for i in range(first, min(first + 1000, items))])
    manager.close()


def stalled_reader(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server fills it at once
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /collections/bench/export?vectors=true HTTP/1.1\r\nHost: bench\r\n\r\n")
    return sock


def served(port: int, clients: set[int]) -> int:
    """How many of the `clients` (their local ports) the server on `port` still holds established."""
    count = 0
    with open("/proc/net/tcp") as table:
        for row in list(table)[1:]:
            local, remote, state = row.split()[1:4]
            count += state == "01" and int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) in clients
    return count


def wave(server, port: int, readers: int, seconds: float) -> dict:
    """`readers` stalled exports watched for `seconds`, then closed: RSS (MiB) and who was dropped."""
    base = f"http://127.0.0.1:{port}"
    before = rss_mb(server.pid)
    sockets = [stalled_reader(port) for _ in range(readers)]
    clients = {sock.getsockname()[1] for sock in sockets}
    start, peak, health = time.monotonic(), before, []
    while time.monotonic() - start < seconds:
        peak = max(peak, rss_mb(server.pid))
        sent = time.monotonic()
        health.append((httpx.get(f"{base}/health", timeout=30).status_code, time.monotonic() - sent))
        time.sleep(0.5)
    stalled = rss_mb(server.pid)
    dropped = readers - served(port, clients)
    for sock in sockets:
        sock.close()
    time.sleep(3)
    return {"before": round(before), "peak": round(peak), "end_of_watch": round(stalled),
            "after_close": round(rss_mb(server.pid)), "dropped_by_server": dropped,
            "health_status": sorted({s for s, _ in health}), "health_slowest_s": round(max(t for _, t in health), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "demo"))
    parser.add_argument("--readers", type=int, default=120, help="stalled readers a wave (at most 500)")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long a wave is watched (at most 300)")
    parser.add_argument("--waves", type=int, default=1, help="waves of stalled readers, one after another (at most 5)")
    parser.add_argument("--send-timeout", type=float, default=None, help="the server's --send-timeout (default: its own)")
    args = parser.parse_args()
    readers = min(args.readers, 500)
    names = [n for n in ("bert_config.json", "config.json") if os.path.exists(os.path.join(args.model, n))]
    with open(os.path.join(args.model, names[0])) as f:
        dim = json.load(f)["hidden_size"]
    with tempfile.TemporaryDirectory(prefix="bench-stalled-") as data_dir:
        fill(data_dir, args.items, dim)
        port = free_port()
        extra = [] if args.send_timeout is None else ["--send-timeout", str(args.send_timeout)]
        server = start_server(args.model, data_dir, port, *extra)
        try:
            export = httpx.get(f"http://127.0.0.1:{port}/collections/bench/export?vectors=true", timeout=120).content
            waves = [wave(server, port, readers, min(args.seconds, 300)) for _ in range(min(args.waves, 5))]
        finally:
            server.terminate()
            server.wait(30)
    result = {"readers": readers, "items": args.items, "dim": dim, "export_mib": round(len(export) / 2**20, 1),
              "seconds_watched": args.seconds, "send_timeout": args.send_timeout, "waves": waves, "machine": machine()}
    print("| wave | readers | export MiB | RSS before | peak | end of watch | after close | dropped by server |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|")
    for number, w in enumerate(waves, start=1):
        print(f"| {number} | {readers} | {result['export_mib']} | {w['before']} | {w['peak']} | {w['end_of_watch']} | "
              f"{w['after_close']} | {w['dropped_by_server']} |")
    write_result("stalled_readers", result)


if __name__ == "__main__":
    main()
