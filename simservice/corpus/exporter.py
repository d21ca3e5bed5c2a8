"""The export loop: every item of a collection as JSON lines (id, text, metadata, vectors on request),
written beside the output and renamed into place once whole, with a progress bar."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tqdm import tqdm

from simservice.corpus.targets import Target


def run_export(target: Target, output: Path, with_vectors: bool = False, progress: bool | None = None) -> int:
    """Write the collection to `output` (JSONL); returns how many items were written."""
    temporary = output.with_name(f".{output.name}.partial")
    written = 0
    try:
        with open(temporary, "w", encoding="utf-8") as out, \
                tqdm(total=target.count(), unit="item", desc="export", disable=progress is False) as bar:
            for record in target.items(with_vectors):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
                bar.update(1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)
    return written
