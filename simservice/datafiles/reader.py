"""A dataset as numbered rows: TXT (a sentence a line), TSV / CSV (a text column by name) or JSONL
(a text key, each line under `json_input`'s rule). Bad rows keep their line numbers; a file that
cannot be read at all raises BadInput before any row is given out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from simservice import json_input
from simservice.datafiles.decoding import NOT_UTF8, decode
from simservice.datafiles.rows import BadInput, BadRow, Row, checked
from simservice.datafiles.tables import read_table

FORMATS = ("txt", "tsv", "csv", "jsonl")
DELIMITERS = {"tsv": "\t", "csv": ","}


def detect_format(path: Path, given: str | None = None) -> str:
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise BadInput(f"{path}: cannot tell the format from {path.suffix!r}: pass --format {'|'.join(FORMATS)}")
    return fmt


def read_rows(path: Path, fmt: str, text_column: str) -> tuple[list[str] | None, Iterator[Row | BadRow]]:
    """The header (TSV/CSV column names, else None) and the rows, in file order."""
    return read_data(path.read_bytes(), fmt, text_column, str(path))


def read_data(data: bytes, fmt: str, text_column: str, name: str = "the file",
              ) -> tuple[list[str] | None, Iterator[Row | BadRow]]:
    """As read_rows, for a file already in memory (an upload); `name` starts every error."""
    if fmt not in FORMATS:
        raise BadInput(f"{name}: unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    text, _ = decode(data, name)
    if fmt in DELIMITERS:
        return _table(text, DELIMITERS[fmt], text_column, name)
    lines = _lines(text)
    return None, iter(list(_jsonl(lines, text_column) if fmt == "jsonl" else _txt(lines)))


def jsonl_rows(data: bytes, key: str) -> Iterator[Row | BadRow]:
    """Rows of JSON lines in a request body (UTF-8, as NDJSON is), with their line numbers as in a file."""
    return _jsonl(_lines(data.decode("utf-8", errors="surrogateescape")), key)


def rows_from_records(records: list[dict], key: str) -> list[Row | BadRow]:
    """Rows of JSON objects already parsed (a job's request body); line = position + 1."""
    return [BadRow(i, i + 1, f"no {key!r} key") if key not in record else checked(i, i + 1, record[key], record)
            for i, record in enumerate(records)]


def _lines(text: str) -> list[str]:
    return [line.removesuffix("\r") for line in text.split("\n")]


def _txt(lines: list[str]) -> Iterator[Row | BadRow]:
    number = 0
    for i, text in enumerate(lines):
        if not text.strip() and i == len(lines) - 1:
            break  # the newline ending the file
        yield BadRow(number, i + 1, "not UTF-8") if NOT_UTF8.search(text) else checked(number, i + 1, text, None)
        number += 1


def _jsonl(lines: list[str], key: str) -> Iterator[Row | BadRow]:
    number = 0
    for i, text in enumerate(lines):
        if not text.strip():
            continue
        record, reason = _record(text)
        if reason:
            yield BadRow(number, i + 1, reason)
        elif key not in record:
            yield BadRow(number, i + 1, f"no {key!r} key")
        else:
            yield checked(number, i + 1, record[key], record)
        number += 1


def _record(text: str) -> tuple[dict | None, str | None]:
    if NOT_UTF8.search(text):
        return None, "not UTF-8"
    try:
        record = json_input.loads(text, "the line")
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON ({exc.msg})"
    except json_input.BadJson as exc:
        return None, str(exc)
    return (record, None) if isinstance(record, dict) else (None, "not a JSON object")


def _table(text: str, delimiter: str, column: str, name: str):
    table = read_table(text, delimiter, name)
    header = table.header
    if column not in header:
        raise BadInput(f"{name}: no column {column!r} in the header ({', '.join(header)}): pass --text-column")
    where = header.index(column)

    def rows() -> Iterator[Row | BadRow]:
        for number, (line, cells) in enumerate(table.rows):
            if any(NOT_UTF8.search(cell) for cell in cells):
                yield BadRow(number, line, "not UTF-8")
            elif len(cells) != len(header):
                yield BadRow(number, line, f"{len(cells)} columns, the header has {len(header)}")
            else:
                yield checked(number, line, cells[where], dict(zip(header, cells)))

    return header, rows()
