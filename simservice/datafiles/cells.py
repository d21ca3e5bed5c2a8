"""A CSV or TSV cell as the JSON value it spells, for metadata that filters compare as numbers:
"12" and "1.5" are numbers (not "0012"), true / false / null themselves, "\\"12\\"" the string 12; the rest stay strings."""

from __future__ import annotations

import json
import math
import re

NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
LIMIT = 1 << 63  # metadata integers fit in 64 bits
WORDS = {"true": True, "false": False, "null": None}


def typed_cell(cell: str):
    value = cell.strip()
    if value in WORDS:
        return WORDS[value]
    if NUMBER.fullmatch(value):
        try:
            number = json.loads(value)
        except json.JSONDecodeError:
            return cell  # a leading zero (0012): a code, kept as text
        if isinstance(number, int):
            return number if -LIMIT <= number < LIMIT else cell  # a long code (a phone number) stays text
        return number if math.isfinite(number) else cell
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return cell
    return cell
