"""Reading a dataset to augment or import: TXT (a sentence a line), TSV / CSV (a text column by name)
or JSONL (a text key, each line under `json_input`'s rule), as numbered rows; bad rows keep their line numbers."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path
from typing import Iterator

from simservice import json_input

FORMATS = ("txt", "tsv", "csv", "jsonl")


class BadInput(ValueError):
    """The file cannot be augmented at all (unknown format, missing column)."""


@dataclasses.dataclass(frozen=True)
class Row:
    """One input row: its number (0-based, data rows only), line in the file, text and whole record."""

    number: int
    line: int
    text: str
    record: dict | None  # the other columns / keys (None for TXT)


@dataclasses.dataclass(frozen=True)
class BadRow:
    number: int
    line: int
    reason: str


def detect_format(path: Path, given: str | None = None) -> str:
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise BadInput(f"{path}: cannot tell the format from {path.suffix!r}: pass --format {'|'.join(FORMATS)}")
    return fmt


def read_rows(path: Path, fmt: str, text_column: str) -> tuple[list[str] | None, Iterator[Row | BadRow]]:
    """The header (TSV/CSV column names, else None) and the rows, in file order."""
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if fmt in ("tsv", "csv"):
        return _table(path, lines, "\t" if fmt == "tsv" else ",", text_column)
    return None, (_jsonl(lines, text_column) if fmt == "jsonl" else _txt(lines))


def jsonl_rows(data: bytes, key: str) -> Iterator[Row | BadRow]:
    """Rows of JSON lines already in memory (a request body), with their line numbers as in a file."""
    return _jsonl(data.split(b"\n"), key)


def rows_from_records(records: list[dict], key: str) -> list[Row | BadRow]:
    """Rows of JSON objects already parsed (a job's request body); line = position + 1."""
    return [BadRow(i, i + 1, f"no {key!r} key") if key not in record else _checked(i, i + 1, record[key], record)
            for i, record in enumerate(records)]


def _decode(line: bytes) -> str | None:
    try:
        return line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None


def _checked(number: int, line: int, text, record) -> Row | BadRow:
    if not isinstance(text, str):
        return BadRow(number, line, f"the text is {type(text).__name__}, not a string")
    if not text.strip():
        return BadRow(number, line, "empty text")
    return Row(number, line, text, record)


def _txt(lines: list[bytes]) -> Iterator[Row | BadRow]:
    number = 0
    for i, raw in enumerate(lines):
        if not raw.strip() and i == len(lines) - 1:
            break  # the newline ending the file
        text = _decode(raw)
        yield BadRow(number, i + 1, "not UTF-8") if text is None else _checked(number, i + 1, text, None)
        number += 1


def _jsonl(lines: list[bytes], key: str) -> Iterator[Row | BadRow]:
    number = 0
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        text = _decode(raw)
        if text is None:
            yield BadRow(number, i + 1, "not UTF-8")
        else:
            try:
                record = json_input.loads(text, "the line")
            except json.JSONDecodeError as exc:
                record, reason = None, f"malformed JSON ({exc.msg})"
            except json_input.BadJson as exc:
                record, reason = None, str(exc)
            else:
                reason = None if isinstance(record, dict) else "not a JSON object"
            if reason:
                yield BadRow(number, i + 1, reason)
            elif key not in record:
                yield BadRow(number, i + 1, f"no {key!r} key")
            else:
                yield _checked(number, i + 1, record[key], record)
        number += 1


def _table(path: Path, lines: list[bytes], delimiter: str, column: str):
    header_text = _decode(lines[0]) if lines else None
    if not header_text:
        raise BadInput(f"{path}: the first line must be a UTF-8 header naming the columns")
    header = next(csv.reader([header_text], delimiter=delimiter))
    if column not in header:
        raise BadInput(f"{path}: no column {column!r} in the header ({', '.join(header)}): pass --text-column")
    where = header.index(column)

    def rows() -> Iterator[Row | BadRow]:
        number = 0
        for i, raw in enumerate(lines[1:], start=2):
            if not raw.strip():
                continue
            text = _decode(raw)
            if text is None:
                yield BadRow(number, i, "not UTF-8")
            else:
                cells = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
                if len(cells) != len(header):
                    yield BadRow(number, i, f"{len(cells)} columns, the header has {len(header)}")
                else:
                    yield _checked(number, i, cells[where], dict(zip(header, cells)))
            number += 1

    return header, rows()
