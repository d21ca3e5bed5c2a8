"""The in-memory backend (`memory://`): brute-force numpy search, exact by construction, nothing
persisted; the reference the conformance suite checks the other backends against."""

from .collections import NumpyCollections
from .store import NumpyStore

__all__ = ["NumpyCollections", "NumpyStore"]
