"""Read tab-separated labelled pair files: a header naming `sentence1`, `sentence2` and `label` (or `score`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

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
    """Parse a file like ../shared/data/dev/*.tsv; raise ValueError naming the file and line on bad rows."""
    path = Path(path)
    try:
        first, second, labels, extra = _read(path)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start} of the file): save it as UTF-8") from None
    if not first:
        raise ValueError(f"{path}: no pairs after the header: give at least one row")
    return LabelledPairs(first, second, np.asarray(labels, dtype=np.float64), extra)


def _read(path: Path) -> tuple[list[str], list[str], list[float], dict[str, list[str]]]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        try:
            i1, i2 = header.index("sentence1"), header.index("sentence2")
            il = next(header.index(name) for name in LABEL_COLUMNS if name in header)
        except (ValueError, StopIteration):
            raise ValueError(f"{path}: header must name sentence1, sentence2 and label (or score), got {header}")
        others = [(i, name) for i, name in enumerate(header) if i not in (i1, i2, il)]
        first, second, labels = [], [], []
        extra: dict[str, list[str]] = {name: [] for _, name in others}
        for lineno, line in enumerate(f, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if fields == [""]:
                continue
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
