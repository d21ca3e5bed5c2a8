"""The wiring of a server: the service core built from the settings, with the index backend
chosen here, in one place, and the model loaded with the settings' options."""

from __future__ import annotations

from simservice.index import CollectionManager, MilvusOptions, open_collections
from simservice.inference.engine import InferenceEngine
from simservice.service.config import ServiceConfig
from simservice.service.core import Service
from simservice.serving.settings import Settings


def build_service(settings: Settings, model: InferenceEngine | None = None,
                  index: CollectionManager | None = None) -> Service:
    """The service of these settings; `model` and `index` may be given (tests, embedding apps)."""
    def load() -> InferenceEngine:
        from simservice import load_model

        return load_model(settings.model, max_batch_rows=settings.max_batch_size,
                          max_batch_tokens=settings.max_batch_tokens, jit_compile=settings.xla,
                          precision=settings.precision, family=settings.family, pooling=settings.pooling)

    return Service(service_config(settings), load, model=model, index=index, open_index=lambda: open_index(settings))


def service_config(settings: Settings) -> ServiceConfig:
    s = settings
    return ServiceConfig(model_path=s.model, max_input_tokens=s.max_input_tokens,
                         max_client_batch_size=s.max_client_batch_size, max_paraphrase_n=s.max_paraphrase_n,
                         max_job_rows=s.max_job_rows, max_batch_size=s.max_batch_size,
                         max_batch_tokens=s.max_batch_tokens, max_batch_samples=s.max_batch_samples,
                         max_concurrent_requests=s.max_concurrent_requests, request_timeout=s.request_timeout,
                         max_augment_jobs=s.max_augment_jobs, warmup=s.warmup)


def open_index(settings: Settings) -> CollectionManager:
    """The collection manager of the configured backend (the one place it is chosen)."""
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    milvus = MilvusOptions(settings.milvus_uri, token, settings.milvus_prefix, settings.milvus_timeout)
    return open_collections(settings.index_backend, data_dir=settings.data_dir, milvus=milvus)
