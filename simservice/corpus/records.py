"""Rows of an import file as items: id (given, or made stably from the text), text and metadata,
with bad rows (bad id or metadata, an id twice in the file) reported with their line numbers."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Iterable, Sequence

from simservice.datafiles import BadRow, Row
from simservice.index.errors import IndexStoreError
from simservice.index.validation import check_id, check_metadata
from simservice.token_limit import fit

SKIPPED_KEYS = ("metadata", "vector")  # an export's own keys: metadata is merged in, vectors re-encoded


@dataclasses.dataclass(frozen=True)
class Columns:
    """Which columns (TSV/CSV) or keys (JSONL) hold the id, the text and the metadata.
    metadata None: every other column; a JSONL `metadata` object is merged in (an export's layout)."""

    id: str = "id"
    text: str = "text"
    metadata: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class ImportRow:
    number: int
    line: int
    id: str
    text: str
    metadata: dict


def stable_id(text: str) -> str:
    """The id of a row without one: the same text always gets the same id (a rerun updates, never duplicates)."""
    return "t-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def import_rows(rows: Iterable[Row | BadRow], columns: Columns) -> list[ImportRow | BadRow]:
    """Every row in file order, as an item or as a bad row saying why; the first row of an id wins."""
    first_line: dict[str, int] = {}
    out: list[ImportRow | BadRow] = []
    for row in rows:
        if isinstance(row, Row):
            row = _item(row, columns)
        if isinstance(row, ImportRow):
            if row.id in first_line:
                row = BadRow(row.number, row.line, f"duplicate id {row.id!r} (first on line {first_line[row.id]})")
            else:
                first_line[row.id] = row.line
        out.append(row)
    return out


def _item(row: Row, columns: Columns) -> ImportRow | BadRow:
    record = row.record or {}
    given = record.get(columns.id)
    try:
        item_id = check_id(stable_id(row.text) if given in (None, "") else _id_text(given))
        metadata, _ = check_metadata(_metadata(record, columns))
    except IndexStoreError as exc:
        return BadRow(row.number, row.line, str(exc))
    return ImportRow(row.number, row.line, item_id, row.text, metadata)


def _id_text(given):
    """A JSONL id as text: a string, or an integer in decimal (a boolean or float stays refused)."""
    return str(given) if type(given) is int else given


def _metadata(record: dict, columns: Columns):
    if columns.metadata is not None:
        return {key: record[key] for key in columns.metadata if key in record}
    given = record.get("metadata")
    if not isinstance(given, (dict, type(None))):
        return given  # refused by check_metadata, as /items refuses it
    merged = dict(given or {})
    merged.update((k, v) for k, v in record.items() if k not in (columns.id, columns.text, *SKIPPED_KEYS))
    return merged


def token_ids(tokenizer, texts: Sequence[str], limit: int, truncate: bool, to_cut: str = "pass --truncate"
              ) -> tuple[list[list[int]], list[str | None]]:
    """Each text's token ids (after the model's document prompt, as every indexed text) and, per
    text, why it cannot be encoded (None if it can; token_limit.py); `to_cut` says how to ask for a cut."""
    fitted = fit(tokenizer, texts, limit, truncate, tokenizer.prompts.document())
    return [text.ids for text in fitted], [text.reason(to_cut) for text in fitted]


def item_record(item_id: str, text: str, metadata: dict, vector=None) -> dict:
    """One exported item (the layout `simservice import` reads back)."""
    record = {"id": item_id, "text": text, "metadata": metadata}
    if vector is not None:
        record["vector"] = [round(float(x), 7) for x in vector]
    return record


def parse_columns(id_column: str, text_column: str, metadata_columns: str | None) -> Columns:
    metadata: Sequence[str] | None = None
    if metadata_columns is not None:
        metadata = tuple(c.strip() for c in metadata_columns.split(",") if c.strip())
    return Columns(id_column, text_column, None if metadata is None else tuple(metadata))
