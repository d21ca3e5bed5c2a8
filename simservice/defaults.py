"""Defaults that hold from any working directory."""

from __future__ import annotations

from pathlib import Path

DEMO = Path("models") / "demo"
REPOSITORY = Path(__file__).resolve().parent.parent


def demo_model() -> str:
    """The shipped demo model: `models/demo` of the working directory when there is one, else the
    checkout's this package was installed from (so commands work from any directory)."""
    if DEMO.is_dir() or not (REPOSITORY / DEMO).is_dir():
        return str(DEMO)
    return str(REPOSITORY / DEMO)
