"""The import loop: rows in fixed chunks written to a target, a resume state saved after each
durable chunk (resumable.py), a progress bar (items/s, ETA) and a summary (added, updated, skipped
with reasons).

A chunk is upserted (durable on return) before the state records it, so a run killed at any
point resumes at the first chunk not recorded; re-upserting that chunk by the same ids neither
duplicates nor loses an item.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Sequence

from simservice.corpus.records import ImportRow
from simservice.corpus.targets import Target
from simservice.datafiles import BadRow
from simservice.resumable import ResumableRun

CHUNK = 512  # rows per write and per resume point


@dataclasses.dataclass
class ImportSummary:
    rows: int = 0
    added: int = 0
    updated: int = 0
    skipped: list[BadRow] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    written_now: int = 0  # items written by this run (a resumed run counts only its own)

    def lines(self) -> list[str]:
        rate = self.written_now / self.seconds if self.seconds else 0.0
        out = [f"rows: {self.rows}, added: {self.added}, updated: {self.updated}, skipped: {len(self.skipped)} "
               f"({rate:.1f} items/s this run)"]
        out += [f"  line {b.line}: {b.reason}" for b in self.skipped[:20]]
        if len(self.skipped) > 20:
            out.append(f"  ... and {len(self.skipped) - 20} more")
        return out


class BadRows(ValueError):
    """--on-bad-row fail found bad rows: nothing was written."""


def check_all(rows: Sequence[ImportRow | BadRow], target: Target, chunk: int = CHUNK) -> list[BadRow]:
    """Every bad row, those only the model can see (too many tokens) included; writes nothing."""
    bad = [r for r in rows if isinstance(r, BadRow)]
    good = [r for r in rows if isinstance(r, ImportRow)]
    for first in range(0, len(good), chunk):
        part = good[first:first + chunk]
        bad += [BadRow(r.number, r.line, why) for r, why in zip(part, target.refusals(part)) if why]
    return sorted(bad, key=lambda b: b.line)


def run_import(rows: Sequence[ImportRow | BadRow], target: Target, state_path: Path, options: dict,
               fail_on_bad: bool = False, chunk: int = CHUNK, progress: bool | None = None) -> ImportSummary:
    """Import `rows` into `target`, resuming a run of the same options where it stopped."""
    run = ResumableRun(state_path, {**options, "chunk": chunk}, {"added": 0, "updated": 0, "skipped": []},
                       f"{state_path} holds an import started with other options or another file: rerun that "
                       "command to finish it, or remove the state file to start again")
    state = run.state
    if fail_on_bad and state["rows_done"] == 0:
        bad = check_all(rows, target, chunk)
        if bad:
            summary = ImportSummary(rows=len(rows), skipped=bad)
            raise BadRows("\n".join([f"{len(bad)} bad rows; nothing written (--on-bad-row skip skips them):",
                                     *summary.lines()[1:]]))
    summary = ImportSummary(rows=len(rows), added=state["added"], updated=state["updated"],
                            skipped=[BadRow(*b) for b in state["skipped"]])
    start = time.perf_counter()
    for first, end in run.chunks(len(rows), chunk, progress=progress, unit="item", desc="import"):
        part = rows[first:end]
        good = [r for r in part if isinstance(r, ImportRow)]
        summary.skipped += [r for r in part if isinstance(r, BadRow)]
        if good:
            added, updated, reasons = target.write(good)
            summary.added += added
            summary.updated += updated
            summary.written_now += added + updated
            summary.skipped += [BadRow(r.number, r.line, why) for r, why in zip(good, reasons) if why]
        summary.skipped.sort(key=lambda b: b.line)
        run.record(end, added=summary.added, updated=summary.updated,
                   skipped=[dataclasses.astuple(b) for b in summary.skipped])
    run.finish()
    summary.seconds = time.perf_counter() - start
    return summary
