"""What a dataset file is read into: numbered rows, bad rows saying why, and the error for a file
that cannot be read at all."""

from __future__ import annotations

import dataclasses


class BadInput(ValueError):
    """The file cannot be read at all (unknown format or encoding, missing column, unclosed quote)."""


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


def checked(number: int, line: int, text, record) -> Row | BadRow:
    """The row, or why its text cannot be used."""
    if not isinstance(text, str):
        return BadRow(number, line, f"the text is {type(text).__name__}, not a string")
    if not text.strip():
        return BadRow(number, line, "empty text")
    return Row(number, line, text, record)
