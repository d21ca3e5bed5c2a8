"""Endpoints that look like a Milvus server but never serve: a TCP port that accepts and stays
silent, and a gRPC server that answers UNAVAILABLE (a server shutting down or not ready) or
never answers, optionally after letting the client connect. Every call against them must give
up within the configured timeout."""

from __future__ import annotations

import socket
import threading
from concurrent import futures

import grpc
from pymilvus.grpc_gen import milvus_pb2

CONNECT = "/milvus.proto.milvus.MilvusService/Connect"


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        for sock in [self._listener, *self._held]:
            sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                self._held.append(self._listener.accept()[0])
            except OSError:
                return


class _Refusing(grpc.GenericRpcHandler):
    def __init__(self, hang: bool, connect_ok: bool, released: threading.Event) -> None:
        self._hang, self._connect_ok, self._released = hang, connect_ok, released

    def service(self, handler_call_details):
        if self._connect_ok and handler_call_details.method == CONNECT:
            return grpc.unary_unary_rpc_method_handler(
                lambda request, context: milvus_pb2.ConnectResponse().SerializeToString())

        def refuse(request, context):
            while self._hang and context.is_active() and not self._released.wait(0.05):
                pass  # until the client gives up (frees this worker) or the server closes
            context.abort(grpc.StatusCode.UNAVAILABLE, "the server is not ready (test endpoint)")

        return grpc.unary_unary_rpc_method_handler(refuse)


class RefusingServer:
    """A gRPC server on 127.0.0.1 whose methods answer UNAVAILABLE, or with `hang` never
    answer; with `connect_ok` it lets the client connect (register) first."""

    def __init__(self, hang: bool = False, connect_ok: bool = False) -> None:
        self._released = threading.Event()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                                   handlers=[_Refusing(hang, connect_ok, self._released)])
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._released.set()
        self._server.stop(grace=None)
