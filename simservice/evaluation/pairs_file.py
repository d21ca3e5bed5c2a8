"""Read tab-separated labelled pair files: a header naming `sentence1`, `sentence2` and `label` (or `score`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from simservice.datafiles import decode, read_table
from simservice.datafiles.decoding import NOT_UTF8

LABEL_COLUMNS = ("label", "score")


@dataclasses.dataclass(frozen=True)
class LabelledPairs:
    """Parallel lists of sentence pairs with a float label each (0/1, or an STS score 0-5)."""

    first: list[str]
    second: list[str]
    labels: np.ndarray
    extra: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # other columns, e.g. `source`

    def __len__(self) -> int:
        return len(self.first)

    @property
    def is_binary(self) -> bool:
        return bool(np.all(np.isin(self.labels, (0.0, 1.0))))


def read_labelled_pairs(path: str | Path) -> LabelledPairs:
    """Parse a file like ../shared/data/dev/*.tsv (plain tab-separated: a quote is an ordinary character;
    the encoding detected as for every dataset); raise ValueError naming the file and line on bad rows."""
    path = Path(path)
    first, second, labels, extra = _read(path)
    if not first:
        raise ValueError(f"{path}: no pairs after the header: give at least one row")
    return LabelledPairs(first, second, np.asarray(labels, dtype=np.float64), extra)


def _read(path: Path) -> tuple[list[str], list[str], list[float], dict[str, list[str]]]:
    text, _ = decode(path.read_bytes(), str(path))
    table = read_table(text, "\t", str(path), quoted=False)
    header = table.header
    try:
        i1, i2 = header.index("sentence1"), header.index("sentence2")
        il = next(header.index(name) for name in LABEL_COLUMNS if name in header)
    except (ValueError, StopIteration):
        raise ValueError(f"{path}: header must name sentence1, sentence2 and label (or score), got {header}")
    others = [(i, name) for i, name in enumerate(header) if i not in (i1, i2, il)]
    first, second, labels = [], [], []
    extra: dict[str, list[str]] = {name: [] for _, name in others}
    for lineno, fields in table.rows:
        if any(NOT_UTF8.search(field) for field in fields):
            raise ValueError(f"{path}:{lineno}: not UTF-8 text: save the file as UTF-8")
        if len(fields) != len(header):
            raise ValueError(f"{path}:{lineno}: {len(fields)} fields, header has {len(header)}")
        try:
            labels.append(float(fields[il]))
        except ValueError:
            raise ValueError(f"{path}:{lineno}: label {fields[il]!r} is not a number")
        first.append(fields[i1])
        second.append(fields[i2])
        for i, name in others:
            extra[name].append(fields[i])
    return first, second, labels, extra
