"""The resumable-job runner: chunks resume after the last recorded one, other options are refused,
the state file is replaced whole (no temporary file left) and removed when the run is done."""

import json

import pytest

from simservice.resumable import ResumableRun


def test_a_stopped_run_resumes_at_the_first_chunk_not_recorded(tmp_path):
    path = tmp_path / "job.state.json"
    run = ResumableRun(path, {"file": "a"}, {"sum": 0}, "other options")
    done = []
    for first, end in run.chunks(10, 3, progress=False):
        done.append((first, end))
        run.record(end, sum=run.state["sum"] + sum(range(first, end)))
        if end == 6:
            break  # killed after the second chunk was recorded
    assert done == [(0, 3), (3, 6)]
    assert json.loads(path.read_text()) == {"options": {"file": "a"}, "rows_done": 6, "sum": 15}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]

    again = ResumableRun(path, {"file": "a"}, {"sum": 0}, "other options")
    assert again.resumed and again.state["sum"] == 15
    for first, end in again.chunks(10, 3, progress=False):
        done.append((first, end))
        again.record(end, sum=again.state["sum"] + sum(range(first, end)))
    assert done == [(0, 3), (3, 6), (6, 9), (9, 10)] and again.state["sum"] == sum(range(10))
    again.finish()
    assert not path.exists()


def test_a_saved_run_with_other_options_is_refused(tmp_path):
    path = tmp_path / "job.state.json"
    run = ResumableRun(path, {"chunk": 3}, {}, "other options")
    next(iter(run.chunks(9, 3, progress=False)))
    run.record(3)
    with pytest.raises(FileExistsError, match="started with chunk 3"):
        ResumableRun(path, {"chunk": 4}, {}, "started with chunk 3")


def test_a_chunk_left_unrecorded_stops_the_run(tmp_path):
    run = ResumableRun(tmp_path / "s.json", {}, {}, "other options")
    chunks = run.chunks(6, 3, progress=False)
    next(chunks)
    with pytest.raises(RuntimeError, match="not recorded"):
        next(chunks)
