"""Every Milvus call gives up within the configured timeout, a sub-second one too: against a
gRPC server that answers UNAVAILABLE, one that never answers, and a port that accepts and
stays silent; at connect and on the calls after it. pymilvus alone retried its register call
75 times, 3 s apart (210 s against UNAVAILABLE), and never gave up on a silent one."""

from __future__ import annotations

import time

import pytest
from tests.dead_endpoints import RefusingServer, SilentServer

from simservice.index import BackendUnavailable, MilvusOptions
from simservice.index.milvus import MilvusCollections

MARGIN = 0.5  # seconds past the timeout: thread scheduling on a busy machine, one 10 ms back-off

ENDPOINTS = {
    "unavailable": lambda: RefusingServer(),
    "never answers": lambda: RefusingServer(hang=True),
    "silent socket": SilentServer,
}


def gives_up(call, timeout: float) -> str:
    start = time.monotonic()
    with pytest.raises(BackendUnavailable) as raised:
        call()
    elapsed = time.monotonic() - start
    assert elapsed < timeout + MARGIN, f"gave up after {elapsed:.2f} s, the timeout is {timeout} s"
    return str(raised.value)


@pytest.mark.parametrize("timeout", [0.3, 1.5])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_connecting_gives_up_within_the_timeout(endpoint, timeout):
    server = ENDPOINTS[endpoint]()
    try:
        message = gives_up(lambda: MilvusCollections(MilvusOptions(uri=server.uri, timeout=timeout)), timeout)
        assert "cannot connect to Milvus" in message
    finally:
        server.close()


def connected(uri: str, timeout: float, tries: int = 3) -> MilvusCollections:
    """A manager connected to the test server. Connecting is not what the calls' test measures: on a
    loaded machine the in-process server may miss one 0.4 s handshake, so it is tried again."""
    for attempt in range(tries):
        try:
            return MilvusCollections(MilvusOptions(uri=uri, timeout=timeout))
        except BackendUnavailable:
            if attempt == tries - 1:
                raise


@pytest.mark.parametrize("hang", [False, True], ids=["unavailable", "never answers"])
def test_every_call_after_connecting_gives_up_within_the_timeout(hang):
    timeout = 0.4
    server = RefusingServer(hang=hang, connect_ok=True)
    calls = {"list": lambda m: m.list(), "check": lambda m: m.check(), "get": lambda m: m.get("a-b"),
             "create": lambda m: m.create("c", dim=4), "drop": lambda m: m.drop("c")}
    try:
        for what, call in calls.items():
            manager = connected(server.uri, timeout)
            try:
                assert "did not answer" in gives_up(lambda: call(manager), timeout), what
                assert "(reconnecting)" not in gives_up(lambda: call(manager), timeout), what
            finally:
                manager.close()
    finally:
        server.close()
