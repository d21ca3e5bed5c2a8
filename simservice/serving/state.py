"""The wiring of a server: the service core built from the settings, its index opened from the
settings' index URL here, in one place, and the model loaded with the settings' options."""

from __future__ import annotations

from simservice.index import CollectionManager, registry
from simservice.inference.loaded_model import LoadedModel
from simservice.service.config import ServiceConfig
from simservice.service.core import Service
from simservice.serving.settings import Settings


def build_service(settings: Settings, model: LoadedModel | None = None,
                  index: CollectionManager | None = None) -> Service:
    """The service of these settings; `model` and `index` may be given (tests, embedding apps).
    Without `index`, the backend's client library must import: BackendNotInstalled now, not a
    service never ready."""
    if index is None:
        registry.require_client(settings.index_url().backend)

    def load() -> LoadedModel:
        from simservice import load_model

        return load_model(settings.model, max_batch_rows=settings.max_batch_size,
                          max_batch_tokens=settings.max_batch_tokens, jit_compile=settings.xla,
                          precision=settings.precision, family=settings.family, pooling=settings.pooling)

    return Service(service_config(settings), load, model=model, index=index, open_index=lambda: open_index(settings))


def service_config(settings: Settings) -> ServiceConfig:
    s = settings
    return ServiceConfig(model_path=s.model, index_label=s.index_url().shown, max_input_tokens=s.max_input_tokens,
                         max_client_batch_size=s.max_client_batch_size, max_paraphrase_n=s.max_paraphrase_n,
                         max_job_rows=s.max_job_rows, max_batch_size=s.max_batch_size,
                         max_batch_tokens=s.max_batch_tokens, max_batch_samples=s.max_batch_samples,
                         max_concurrent_requests=s.max_concurrent_requests, request_timeout=s.request_timeout,
                         max_augment_jobs=s.max_augment_jobs, warmup=s.warmup)


def open_index(settings: Settings) -> CollectionManager:
    """The collection manager the settings' index URL names (the one place it is opened)."""
    return registry.open_index(settings.index_url())
