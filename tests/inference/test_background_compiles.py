"""With XLA, the decode loop's shapes compile in the background: a batch whose shape has no
executable yet runs the traced loop (same tokens), and the XLA executable is only ever run
for shapes compiled beforehand, never compiled on a request's thread."""

import contextlib
import threading
import time

import pytest

from tests.paths import FIXTURES
from simservice import load_model
from simservice.inference.batching import bucket_length
from simservice.inference.cached_decoder import DecodeRequest, loop_shape
from simservice.inference.compiles import BackgroundCompiler
from simservice.inference.reference_decoder import of as reference_of
from simservice.inference.sampler import SamplingParams

TEXT = "我想买一台新的笔记本电脑，有什么推荐吗？"


@pytest.fixture()
def xla():
    return load_model(FIXTURES / "roformer_tf1", jit_compile=True)


@contextlib.contextmanager
def spying(decoder):
    """Record (loop, shape, thread) of every finished run of the traced and the XLA loop."""
    calls, originals = [], {name: getattr(decoder, name) for name in ("_loop", "_loop_xla")}
    for name, loop in originals.items():

        def recording(t, state, fixed, loop=loop, name=name):
            result = loop(t, state, fixed)
            calls.append((name, loop_shape(fixed), threading.current_thread()))  # once the run is over
            return result

        setattr(decoder, name, recording)
    try:
        yield calls
    finally:
        for name, loop in originals.items():
            setattr(decoder, name, loop)


def test_new_shapes_run_traced_while_they_compile_then_run_xla(xla, roformer):
    with spying(xla.decoder) as calls:
        request = DecodeRequest(xla.tokenizer.encode(TEXT), 4, SamplingParams(top_k=1), 12)
        first = xla.decoder.decode([request])
        shape = (4, bucket_length(len(request.source_ids)), 16)
        assert [(name, s) for name, s, thread in calls if thread is threading.current_thread()] == [("_loop", shape)]
        assert xla.wait_for_compiles()
        assert xla.decoder.compiles.ready(shape) and xla.decoder.compiles.compiled == 1
        compile_threads = {thread for name, s, thread in calls if name == "_loop_xla"}
        assert compile_threads and threading.current_thread() not in compile_threads
        calls.clear()
        assert xla.decoder.decode([request]) == first == roformer.decoder.decode([request])
        assert [(name, s) for name, s, _ in calls] == [("_loop_xla", shape)]


def test_int8_tokens_match_the_reference_on_the_xla_loop(roformer_int8):
    params = SamplingParams(top_p=0.9)
    request = DecodeRequest(roformer_int8.tokenizer.encode(TEXT), 3, params, 10, seed=5)
    roformer_int8.decoder.decode([request])
    assert roformer_int8.wait_for_compiles()
    with spying(roformer_int8.decoder) as calls:
        cached = roformer_int8.decoder.decode([request])[0]
    assert {name for name, _, _ in calls} == {"_loop_xla"}
    assert cached == reference_of(roformer_int8).generate_ids(request.source_ids, 3, params, 10, seed=5)


def test_the_xla_loop_runs_only_shapes_compiled_before(xla):
    with spying(xla.decoder) as calls:
        params = SamplingParams(top_p=0.95)
        for text, n in (("你好", 2), (TEXT, 8), ("你好", 2), ("今天天气怎么样", 3), (TEXT, 8)):
            xla.decoder.decode([DecodeRequest(xla.tokenizer.encode(text), n, params, 10, seed=1)])
        compiled_by = {}
        for name, shape, thread in calls:
            if thread is not threading.current_thread():
                assert name == "_loop_xla"
                compiled_by.setdefault(shape, thread)
            elif name == "_loop_xla":
                assert shape in compiled_by  # on the request's thread only once its compile is over
        assert xla.wait_for_compiles() and xla.decoder.compiles.failed == 0


def test_warm_up_queues_the_default_request_shapes(xla):
    xla.warm_up(16)
    assert xla.wait_for_compiles()
    ready = {rows for rows in (32, 16, 8, 4, 2, 1) if xla.decoder.compiles.ready((rows, 16, 32))}
    assert ready == {32, 16, 8, 4, 2, 1} and xla.decoder.compiles.ready((1, 8, 32))


def test_without_xla_nothing_compiles(roformer):
    assert roformer.decoder.compiles is None and roformer.wait_for_compiles()
    roformer.decoder.precompile(32, 9, 32)  # a no-op


def test_a_failed_compile_is_logged_and_never_retried(caplog):
    attempts = []

    def failing(key):
        attempts.append(key)
        raise RuntimeError("out of memory")

    compiler = BackgroundCompiler(failing, "test loop")
    for _ in range(3):
        compiler.request("shape")
    assert compiler.wait(timeout=30)
    assert attempts == ["shape"] and compiler.failed == 1 and not compiler.ready("shape")
    assert "could not compile the test loop for shape shape" in caplog.text


def test_close_drops_queued_shapes_and_refuses_new_ones():
    started, release = threading.Event(), threading.Event()
    done = []

    def slow(key):
        started.set()
        release.wait(10)
        done.append(key)

    compiler = BackgroundCompiler(slow, "test loop")
    compiler.request("a")
    compiler.request("b")
    assert started.wait(10)
    closer = threading.Thread(target=compiler.close)
    closer.start()
    while compiler.pending() > 1:  # "b" dropped, "a" still compiling
        time.sleep(0.01)
    release.set()
    closer.join(10)
    compiler.request("c")
    assert compiler.wait(timeout=10)
    assert done == ["a"] and compiler.ready("a") and not compiler.ready("b") and not compiler.ready("c")


def test_shapes_past_the_limit_are_not_compiled(caplog):
    compiled = []
    compiler = BackgroundCompiler(compiled.append, "test loop", limit=2)
    for key in ("a", "b", "c", "a", "d"):
        compiler.request(key)
    assert compiler.wait(timeout=30)
    assert compiled == ["a", "b"] and compiler.refused == 2 and not compiler.ready("c")
    assert caplog.text.count("2 test loop shapes compiled or queued") == 1
