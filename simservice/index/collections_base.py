"""What every CollectionManager shares: `ensure` and `describe` in terms of create and get."""

from __future__ import annotations

from .errors import CollectionExists, CollectionNotFound, DimensionMismatch, InvalidArgument
from .protocol import VectorStore
from .types import CollectionInfo, IndexSpec

DEFAULT = "default"


class CollectionsBase:
    """Base class of the backends' managers; subclasses give create, get, list, drop, close."""

    backend = ""

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> VectorStore:
        raise NotImplementedError

    def get(self, name: str) -> VectorStore:
        raise NotImplementedError

    def ensure(self, name: str, dim: int, metric: str = "cosine") -> VectorStore:
        try:
            store = self.get(name)
        except CollectionNotFound:
            try:
                return self.create(name, dim, metric)
            except CollectionExists:  # created meanwhile by another thread or replica
                store = self.get(name)
        if store.config.dim != dim:
            raise DimensionMismatch(
                f"collection {name!r} has dimension {store.config.dim}, not {dim}: the model "
                "changed; use another collection or drop this one"
            )
        if store.config.metric != metric:
            raise InvalidArgument(f"collection {name!r} uses metric {store.config.metric!r}, not {metric!r}")
        return store

    def describe(self, name: str) -> CollectionInfo:
        return self.get(name).info()

    def check(self) -> None:
        """An embedded backend is always there."""

    def failed(self) -> dict[str, str]:
        """Collections that could not be opened, by name, with the reason (none by default)."""
        return {}

    def _missing(self, name: str) -> CollectionNotFound:
        return CollectionNotFound(
            f"collection {name!r} does not exist: create it first (collections: "
            f"{', '.join(self.list()) or 'none'})"
        )
