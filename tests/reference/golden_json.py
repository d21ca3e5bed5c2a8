"""The JSON layout of the golden files, shared by both reference scripts (no TF or torch here)."""

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
