"""Where the committed reference checkpoints and golden outputs live, for every test package."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden"


def golden(name: str) -> dict:
    with open(GOLDEN / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)
