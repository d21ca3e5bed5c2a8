"""The JSON layout of the golden files and the pick of dev questions, shared by the reference scripts
(no TF or torch here)."""

import csv
import json
import re

_NUMBER_LIST = re.compile(r"\[\s*([-0-9.eE+,\s]+?)\s*\]")


def dump_json(obj):
    """Indented JSON with each list of numbers on one line (small files, readable diffs)."""
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    text = _NUMBER_LIST.sub(lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    assert json.loads(text) == obj
    return text + "\n"


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_json(obj), encoding="utf-8")


def dev_questions_by_length(tsv):
    """First-column questions of a dev TSV (header skipped), distinct, grouped by length in file order."""
    rows = list(csv.reader(open(tsv, encoding="utf-8"), delimiter="\t"))[1:]
    seen, by_len = set(), {}
    for r in rows:
        t = r[0]
        if t not in seen:
            seen.add(t)
            by_len.setdefault(len(t), []).append(t)
    return by_len
