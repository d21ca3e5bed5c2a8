"""The one resumable-job runner, used by `import` and `augment` (from the CLI and as /jobs): rows in
fixed chunks, and after each chunk is durable, its progress in a JSON state file (written to a
temporary file, fsynced, renamed over the old one, the directory fsynced). A run killed at any point
resumes at the first chunk the state does not record; a run started with other options is refused
rather than mixed into the old one. The chunk size is part of the options, so a resumed run
batches exactly as an uninterrupted one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm


class ResumableRun:
    """One run's progress: `state` holds the options, `rows_done` and whatever counts the job keeps."""

    def __init__(self, state_path: Path, options: dict, counts: dict, other_options: str):
        """Resume the run saved at `state_path` if it has these `options`, else start one with `counts`;
        a saved run with other options raises FileExistsError(`other_options`)."""
        self.path = state_path
        saved = json.loads(state_path.read_text()) if state_path.exists() else None
        if saved is not None and saved.get("options") != options:
            raise FileExistsError(other_options)
        self.resumed = saved is not None
        self.state = saved or {"options": options, "rows_done": 0, **counts}

    def chunks(self, total: int, chunk: int, *, progress: bool | None = None, unit: str = "row",
               desc: str | None = None) -> Iterator[tuple[int, int]]:
        """The (first, end) row ranges still to do; the caller makes each durable, then `record`s it."""
        with tqdm(total=total, initial=self.state["rows_done"], unit=unit, desc=desc,
                  disable=progress is False) as self.bar:
            for first in range(self.state["rows_done"], total, chunk):
                end = min(first + chunk, total)
                yield first, end
                if self.state["rows_done"] != end:
                    raise RuntimeError(f"rows {first}-{end} were not recorded before the next chunk")
                self.bar.update(end - first)

    def record(self, rows_done: int, **counts) -> None:
        """Save that the rows before `rows_done` are durable, with the job's counts."""
        self.state.update(rows_done=rows_done, **counts)
        write_state(self.path, self.state)

    def finish(self) -> None:
        """The run is complete: its state is no longer needed."""
        self.path.unlink(missing_ok=True)


def write_state(path: Path, state: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
