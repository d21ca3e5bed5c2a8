"""The augmentation loop: rows in fixed chunks, candidates from a generator, filters, output
appended in row order with a resume state (resumable.py), a progress bar, and a summary."""

from __future__ import annotations

import collections
import dataclasses
import time
from typing import Callable, Sequence

from simservice.augment.filters import Filters, Keeper
from simservice.augment.generators import Generator
from simservice.augment.output import Output
from simservice.datafiles import BadRow, Row
from simservice.resumable import ResumableRun

CHUNK = 64  # rows per resume point; fixed, so a resumed run batches exactly as an uninterrupted one


@dataclasses.dataclass
class Summary:
    rows: int = 0
    augmented_rows: int = 0
    kept: int = 0
    bad: list[BadRow] = dataclasses.field(default_factory=list)
    dropped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.rows / self.seconds if self.seconds else 0.0
        out = [f"rows: {self.rows} ({rate:.1f}/s), with paraphrases: {self.augmented_rows}, "
               f"paraphrases kept: {self.kept}, bad rows skipped: {len(self.bad)}"]
        if self.dropped:
            out.append("dropped by filter: " + ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items())))
        out += [f"  line {b.line}: {b.reason}" for b in self.bad[:20]]
        if len(self.bad) > 20:
            out.append(f"  ... and {len(self.bad) - 20} more")
        return out


def augment(items: Sequence[Row | BadRow], generator: Generator, filters: Filters, k: int, output: Output,
            options: dict, progress: bool | None = None, chunk: int = CHUNK,
            on_chunk: Callable[[int], None] | None = None) -> Summary:
    """Augment `items` into `output`, resuming a run of the same options where it stopped.
    `on_chunk(rows_done)` is called after each chunk is durable (a job's progress)."""
    output.prepare()
    run = ResumableRun(output.state_path, {**options, "chunk": chunk},
                       {"kept": 0, "augmented_rows": 0, "dropped": {}, "bad": []},
                       f"{output.path} was started with other options: remove it and its "
                       f"{output.state_path.name}, or run with the same options to resume")
    if run.resumed:
        output.cut_to(run.state["bytes"])
    state = run.state
    keeper = Keeper(filters, output.kept_texts() if filters.dedupe else None)
    keeper.dropped.update(state["dropped"])
    summary = Summary(rows=len(items), kept=state["kept"], augmented_rows=state["augmented_rows"],
                      bad=[BadRow(*b) for b in state["bad"]])
    start = time.perf_counter()
    for first, end in run.chunks(len(items), chunk, progress=progress):
        part = items[first:end]
        rows = [r for r in part if isinstance(r, Row)]
        summary.bad += [r for r in part if isinstance(r, BadRow)]
        written = []
        for row, found in zip(rows, generator.candidates(rows)):
            if isinstance(found, str):
                summary.bad.append(BadRow(row.number, row.line, found))
                continue
            kept = keeper.keep(row.text, found, k)
            written.append((row, kept))
            summary.kept += len(kept)
            summary.augmented_rows += bool(kept)
        run.record(end, bytes=output.append(written), kept=summary.kept, augmented_rows=summary.augmented_rows,
                   dropped=dict(keeper.dropped), bad=[dataclasses.astuple(b) for b in summary.bad])
        run.bar.set_postfix(kept=summary.kept)
        if on_chunk:
            on_chunk(end)
    run.finish()
    summary.dropped = keeper.dropped
    summary.seconds = time.perf_counter() - start
    return summary
