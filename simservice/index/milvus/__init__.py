"""The Milvus backend: collections in a Milvus server, shared by any number of replicas.

`MilvusCollections` (which needs pymilvus, the `milvus` extra) is imported on first use."""

from .options import MilvusOptions

__all__ = ["MilvusCollections", "MilvusOptions"]


def __getattr__(name: str):
    if name == "MilvusCollections":
        from .collections import MilvusCollections

        return MilvusCollections
    raise AttributeError(name)
