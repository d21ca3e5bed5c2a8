"""CSV and TSV text as a header and rows of cells, each with the line it starts on. CSV follows
RFC 4180 with strict quoting: a quote never closed, or text after a closing quote, refuses the
file with the line where the row starts (rather than swallowing the rows after it into one cell)."""

from __future__ import annotations

import csv
import dataclasses
import io

from simservice.datafiles.rows import BadInput

UNCLOSED = "unexpected end of data"  # the csv module's words for a quote never closed


@dataclasses.dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line where the row starts, its cells); blank lines left out


def read_table(text: str, delimiter: str, name: str = "the file", quoted: bool = True) -> Table:
    """Every row of `text` at once (an error anywhere refuses the whole file, before any row is used).
    `quoted=False` reads plain tab-separated text, where a quote is an ordinary character."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True,
                        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE)
    rows, start = [], 1
    try:
        for cells in reader:
            if cells and not (len(cells) == 1 and not cells[0].strip()):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = ("a quoted field opened in this row is never closed" if UNCLOSED in str(exc)
                  else f"{exc} (line {reader.line_num})")
        raise BadInput(f"{name}: line {start}: {reason}: nothing was read from the file") from None
    if not rows:
        raise BadInput(f"{name}: no header line naming the columns")
    (line, header), *body = rows
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise BadInput(f"{name}: line {line}: the header names {', '.join(map(repr, twice))} more than once")
    return Table(header, body)
