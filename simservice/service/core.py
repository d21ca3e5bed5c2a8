"""The service core: one object with every operation the HTTP routes, the commands and the jobs
call (sentence vectors, similarity, search, paraphrases, collections, items, import and export,
snapshots, augmentation), raising `ServiceError` or the index's errors; it knows nothing of HTTP."""

from __future__ import annotations

from typing import Callable

from simservice.index import CollectionManager
from simservice.inference.loaded_model import LoadedModel
from simservice.service.config import ServiceConfig
from simservice.service.corpus_ops import CorpusOperations
from simservice.service.job_ops import JobOperations


class Service(CorpusOperations, JobOperations):
    """Served: `Service(config, load_model, open_index=...)`, then `start()`; model work goes through
    the batching queue. On the command line: `Service.local(load_model, index)`."""

    @classmethod
    def local(cls, load_model: Callable[[], LoadedModel], index: CollectionManager | None = None,
              model_path: str = "") -> "Service":
        """A service for one user on this thread: the model loaded on first use, its work run at once,
        no limit on texts or samples per call; `index` (if any) stays the caller's to close."""
        return cls(ServiceConfig.unlimited(model_path), load_model, index=index, queued=False)
