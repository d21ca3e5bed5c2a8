"""The real Milvus standalone server (PyPI package `milvus`) for tests: started once per test
session on 127.0.0.1 in a temporary directory, and a TCP proxy that cuts and restores the
line to it, so a test can lose Milvus mid-request without a slow server restart. `kill` and
`restart` take the server itself down (SIGKILL) and bring it back on the same ports."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request

COMPONENTS = ("rootCoord", "proxy", "queryCoord", "queryNode", "indexNode", "dataCoord", "dataNode")


def start(base_dir: str, timeout_s: float = 240.0):
    """A running embedded Milvus bound to 127.0.0.1; raises (never skips) if it cannot start."""
    from milvus import MilvusServer, MilvusServerConfig

    config = MilvusServerConfig(data_dir=base_dir)
    config.set("proxy.timeTickInterval", 20)  # ms; Strong reads wait for the next tick
    config.set("common.gracefulStopTimeout", 5)  # s; the default 1800 makes SIGTERM hang
    for component in COMPONENTS:  # each listens on the first routable address unless told
        config.set(f"{component}.ip", "127.0.0.1")
    server = MilvusServer(config, wait_for_started=False)
    server.start()
    return _healthy(server, timeout_s)


def kill(server) -> None:
    """SIGKILL, as a crash or the OOM killer would."""
    server.server_proc.kill()
    server.server_proc.wait(timeout=30)


def restart(server, timeout_s: float = 240.0):
    """Start a killed server again on its ports and data (the package's start() would pick
    new ports if the old ones still had connections in TIME_WAIT)."""
    from milvus import MilvusServer

    base = server.config.base_data_dir
    env = dict(os.environ, DEPLOY_MODE="STANDALONE", METRICS_PORT=str(server.webservice_port),
               MILVUS_RUN_DIR=os.path.join(base, "run"))
    executable = server.get_milvus_executable_path()
    MilvusServer.prepend_path_to_envs(env, "LD_LIBRARY_PATH", os.path.dirname(executable))
    for handle in server.proc_fds.values():
        handle.close()
    server.proc_fds = {name: open(os.path.join(base, "logs", f"milvus-{name}.log"), "a", encoding="utf-8")
                       for name in ("stdout", "stderr")}
    server.server_proc = subprocess.Popen([executable, "run", "standalone"], cwd=base, env=env,
                                          stdout=server.proc_fds["stdout"], stderr=server.proc_fds["stderr"])
    return _healthy(server, timeout_s)


def _healthy(server, timeout_s: float):
    """The server once its health check answers OK; raises if it exits or takes too long."""
    deadline = time.monotonic() + timeout_s
    health = f"http://127.0.0.1:{server.webservice_port}/healthz"
    while True:
        exited = server.server_proc.poll()
        if exited is not None or time.monotonic() > deadline:
            logs = os.path.join(server.config.base_data_dir, "logs", "milvus-stderr.log")
            stop(server)
            why = f"exited with status {exited}" if exited is not None else f"not up in {timeout_s:.0f} s"
            raise RuntimeError(f"embedded Milvus {why} (only one can run per machine: is another "
                               f"one running?); {logs} ends with:\n{_tail(logs)}")
        try:
            with urllib.request.urlopen(health, timeout=2) as answer:
                if b"OK" in answer.read():
                    return server
        except OSError:
            pass
        time.sleep(0.2)


def stop(server, grace_s: float = 30.0) -> None:
    """SIGTERM and wait: the package's own stop() kills after 1 s, which makes the next start
    on this machine wait about a minute for stale sessions to expire."""
    proc = server.server_proc
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    server.server_proc = None
    for handle in server.proc_fds.values():
        handle.close()
    server.proc_fds.clear()


def _tail(path: str, size: int = 3000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - size))
            return handle.read().decode(errors="replace")
    except OSError as exc:
        return f"(unreadable: {exc})"


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` closes every connection and refuses new
    ones (a real network failure), `restore()` accepts again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = True
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        with self._lock:
            self._open = False
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._open = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._open:
                    _close(client)
                    continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


_session: dict = {}


def session_uri() -> str:
    """The URI of the one embedded Milvus of this test process, started on first use and
    stopped (gracefully) at exit; a failure to start fails the test, never skips it.
    SIMSERVICE_TEST_MILVUS_URI points the tests at a running server instead."""
    if "uri" not in _session and os.environ.get("SIMSERVICE_TEST_MILVUS_URI"):
        _session["uri"] = os.environ["SIMSERVICE_TEST_MILVUS_URI"]  # a server started by hand
    if "uri" not in _session:
        import atexit
        import shutil
        import tempfile

        if "error" in _session:
            raise RuntimeError(f"embedded Milvus failed to start earlier: {_session['error']}")
        base = tempfile.mkdtemp(prefix="simservice-milvus-")
        try:
            server = start(base)
        except RuntimeError as exc:
            _session["error"] = str(exc).splitlines()[0]
            raise
        _session.update(server=server, uri=f"http://127.0.0.1:{server.listen_port}")
        atexit.register(lambda: (stop(server), shutil.rmtree(base, ignore_errors=True)))
    return _session["uri"]


def session_server():
    """The server object behind session_uri(), None when the tests use one started by hand."""
    session_uri()
    return _session.get("server")
