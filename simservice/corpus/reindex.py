"""Re-embedding a collection with the current model: its texts encoded into a collection built
beside it (same index), then swapped in one step, so readers see the old vectors until the swap.
Writes made to the old collection during the rebuild are not carried over: pause writers."""

from __future__ import annotations

from tqdm import tqdm

from simservice.datafiles import BadRow
from simservice.corpus.importer import CHUNK
from simservice.corpus.records import ImportRow


def staging_name(name: str) -> str:
    return f"{name[:56]}-reindex"


def run_reindex(source, staging, progress: bool | None = None, chunk: int = CHUNK) -> tuple[int, list[BadRow]]:
    """Rebuild `source`'s vectors into `staging` (a target of the same backend), then swap it in.
    Returns the items written and those the model refused (too long), which the new collection lacks."""
    kind, params = source.index_spec()
    staging.create(kind, params)
    refused: list[BadRow] = []
    written = 0
    rows = []
    with tqdm(total=source.count(), unit="item", desc="reindex", disable=progress is False) as bar:
        def flush():
            nonlocal written, rows
            if rows:
                added, updated, reasons = staging.write(rows)
                written += added + updated
                refused.extend(BadRow(r.number, r.line, why) for r, why in zip(rows, reasons) if why)
                bar.update(len(rows))
                rows = []

        for number, record in enumerate(source.items(False)):
            rows.append(ImportRow(number, number + 1, record["id"], record["text"], record["metadata"]))
            if len(rows) == chunk:
                flush()
        flush()
    staging.swap_into(source.collection)
    return written, refused
