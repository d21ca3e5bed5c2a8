"""Writing augmented rows in the input's format, appended chunk by chunk.

After each chunk the output is flushed and fsynced, then `<out>.state.json` records how many
input rows are done and how many bytes of output belong to them (resumable.py). A run that is
killed resumes from the state: the output is cut back to the recorded bytes, so nothing is
duplicated and nothing is missing.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from simservice.datafiles import Row


class Output:
    def __init__(self, path: Path, fmt: str, header: list[str] | None, text_column: str):
        self.path = path
        self.fmt = "tsv" if fmt == "txt" else fmt  # a sentence a line has nowhere to put the score
        self.header = header or [text_column]
        self.text_column = text_column
        self.columns = [*self.header, "source_row", "score", "logprob"]

    @property
    def state_path(self) -> Path:
        return self.path.with_name(self.path.name + ".state.json")

    def prepare(self) -> None:
        """Before a run: an output without a state is not a run to resume (refused); a state whose
        output was removed is dropped, so the run starts again."""
        if not self.state_path.exists():
            if self.path.exists():
                raise FileExistsError(f"{self.path} exists and is not a run to resume: remove it or pick another -o")
        elif not self.path.exists():
            self.state_path.unlink()

    def cut_to(self, size: int) -> None:
        """Resuming: drop what a killed run wrote after its last recorded chunk."""
        with open(self.path, "r+b") as f:
            f.truncate(size)

    def kept_texts(self) -> set[str]:
        """Paraphrases already in the output (to keep deduplicating after a resume)."""
        if not self.path.exists():
            return set()
        with open(self.path, encoding="utf-8", newline="") as f:
            if self.fmt == "jsonl":
                return {json.loads(line)[self.text_column] for line in f if line.strip()}
            reader = csv.DictReader(f, delimiter="\t" if self.fmt == "tsv" else ",")
            return {row[self.text_column] for row in reader}

    def append(self, rows: list[tuple[Row, list[tuple[str, float]]]]) -> int:
        """Write the kept paraphrases of a chunk of rows, in row order, durably; the output's size after."""
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a", encoding="utf-8", newline="") as f:
            f.write(self._render(rows, fresh))
            f.flush()
            os.fsync(f.fileno())
            return f.tell()

    def _render(self, rows, with_header: bool) -> str:
        buffer = io.StringIO()
        if self.fmt == "jsonl":
            for row, kept in rows:
                for text, score, logprob in kept:
                    record = {**(row.record or {}), self.text_column: text, "source_row": row.number,
                              "score": round(score, 6), "logprob": round(logprob, 4)}
                    buffer.write(json.dumps(record, ensure_ascii=False) + "\n")
            return buffer.getvalue()
        writer = csv.writer(buffer, delimiter="\t" if self.fmt == "tsv" else ",", lineterminator="\n")
        if with_header:
            writer.writerow(self.columns)
        for row, kept in rows:
            for text, score, logprob in kept:
                record = {**(row.record or {}), self.text_column: text}
                writer.writerow([*(record[c] for c in self.header), row.number, f"{score:.6f}", f"{logprob:.4f}"])
        return buffer.getvalue()
