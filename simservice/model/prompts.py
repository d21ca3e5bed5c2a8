"""Text prompts a model expects before its inputs (sentence-transformers' `prompts`), by name and by role."""

from __future__ import annotations

import dataclasses
from typing import Mapping

# The names sentence-transformers checkpoints give the prompt of each role, in order of preference.
QUERY_NAMES = ("query",)
DOCUMENT_NAMES = ("document", "passage", "doc", "corpus")


@dataclasses.dataclass(frozen=True)
class Prompts:
    """`by_name` maps prompt names to the text prepended to an input; `default_name` is the one used
    when a caller names none (None: no prompt). A model without prompts has an empty `Prompts()`."""

    by_name: Mapping[str, str] = dataclasses.field(default_factory=dict)
    default_name: str | None = None

    def __post_init__(self) -> None:
        if self.default_name is not None and self.default_name not in self.by_name:
            raise ValueError(f"default_prompt_name {self.default_name!r} is not one of the prompts "
                             f"{sorted(self.by_name)}")

    def text(self, name: str | None = None) -> str:
        """The prompt called `name`, or the default one when `name` is None ("" when there is none)."""
        if name is None:
            return self.by_name[self.default_name] if self.default_name is not None else ""
        if name not in self.by_name:
            known = ", ".join(sorted(self.by_name)) or "none: this model has no prompts"
            raise ValueError(f"prompt_name {name!r} is not one of this model's prompts ({known})")
        return self.by_name[name]

    def query(self) -> str:
        """What a search query gets: the query prompt, else the default."""
        return self._first(QUERY_NAMES)

    def document(self) -> str:
        """What an indexed text gets: the document (passage) prompt, else the default."""
        return self._first(DOCUMENT_NAMES)

    def _first(self, names: tuple[str, ...]) -> str:
        return next((self.by_name[n] for n in names if n in self.by_name), self.text())
