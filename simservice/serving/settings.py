"""Service settings: from `SIMSERVICE_*` environment variables, `simservice serve` flags, or code."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from simservice.precision import Precision, check_precision


class Settings(BaseSettings):
    """Everything the service can be told; each field is also the environment variable
    `SIMSERVICE_<FIELD>` (e.g. `SIMSERVICE_MAX_BATCH_TOKENS=4096`)."""

    model_config = SettingsConfigDict(env_prefix="SIMSERVICE_", extra="forbid", protected_namespaces=())

    model: str = Field("models/demo", description="checkpoint directory (official TF1 or Hugging Face port)")
    family: str | None = Field(None, description="model family: roformer-sim (RoFormer-Sim, SimBERT), bert-embedding "
                                                 "(e5, bge, text2vec) or bert-unilm; default: told from the checkpoint")
    pooling: Literal["linear", "cls", "mean"] | None = Field(
        None, description="sentence vector: linear ([CLS] through SimBERT's pooler), cls or mean; default: the "
                          "checkpoint's sentence-transformers files, else its family's")
    served_model_name: str | None = Field(None, description="the model's name in /v1 answers (default: the "
                                                            "model directory's name)")
    index_backend: Literal["faiss", "milvus"] = Field(
        "faiss", description="where collections live: faiss (embedded, in data_dir) or milvus (a server shared "
                             "by many replicas, at milvus_uri)")
    data_dir: str = Field("data/index", description="directory of the embedded vector index")
    milvus_uri: str = Field("http://127.0.0.1:19530", description="Milvus server (index_backend milvus)")
    milvus_token: SecretStr | None = Field(None, description="Milvus credentials: 'user:password' or an API key")
    milvus_prefix: str = Field("simservice_", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
                               description="prefix of this service's Milvus collection names")
    milvus_timeout: float = Field(10.0, gt=0, description="seconds one Milvus call may take before 503")
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=0, le=65535, description="port to listen on")
    api_key: SecretStr | None = Field(None, description="when set, `Authorization: Bearer <key>` is required "
                                                        "on every route but /health and /ready")
    protect_docs: bool = Field(False, description="with an API key, require it on /docs, /redoc and /openapi.json "
                                                  "too (by default they open without it)")
    cors_origins: list[str] = Field(default_factory=list, description="browser origins allowed to call the API "
                                    "(CORS), e.g. [\"https://app.example.com\"]; empty (the default): CORS off")
    max_batch_tokens: int = Field(2048, ge=8, description="token budget of one encoder batch, padding counted")
    max_batch_size: int = Field(32, ge=1, description="texts in one encoder batch and paraphrase jobs in one "
                                                      "decoder batch; 1 turns batching off")
    max_batch_samples: int = Field(256, ge=1, description="paraphrase samples (n summed over jobs) decoded in "
                                                          "one batch; the oldest job always runs")
    max_concurrent_requests: int = Field(128, ge=1, description="model requests in flight before 429")
    request_timeout: float = Field(30.0, gt=0, description="seconds a request may wait for the model before 503")
    max_input_tokens: int | None = Field(None, ge=3, description="longest text in tokens, [CLS] and [SEP] "
                                                                 "included (default: the model's max length)")
    max_client_batch_size: int = Field(64, ge=1, description="texts or items in one request")
    max_paraphrase_n: int = Field(128, ge=1, description="most samples one paraphrase request may draw")
    max_augment_jobs: int = Field(2, ge=1, description="background augmentation jobs running at once (429 past it)")
    max_job_rows: int = Field(100_000, ge=1, description="rows in one augmentation job")
    max_body_bytes: int = Field(1 << 20, ge=1024, description="largest request body in bytes (413 past it)")
    header_timeout: float = Field(10.0, gt=0, description="seconds a connection may take to send a request's "
                                                          "head (idle or trickled headers: closed)")
    body_timeout: float = Field(30.0, gt=0, description="seconds a request's body may take to arrive (408 past it)")
    send_timeout: float = Field(30.0, gt=0, description="seconds a response may wait for a client that stopped "
                                                       "reading (its connection is dropped past it)")
    keep_alive_timeout: float = Field(5.0, gt=0, description="seconds an idle keep-alive connection stays open")
    max_connections: int = Field(1024, ge=1, description="open connections and requests before the server answers 503")
    warmup: bool = Field(True, description="run each batch shape once before /ready answers 200")
    xla: bool = Field(False, description="compile the encoder and the decode loop with XLA (slower warm-up, "
                                         "faster batches; one executable per batch shape, the decode loop's "
                                         "compiled in the background)")
    precision: Precision = Field(
        "float32", description="compute precision; mixed_float16 for GPUs, mixed_bfloat16 for recent CPUs/GPUs; "
                               "int8 (with xla only) quantizes the transformer blocks' weights")

    @field_validator("api_key")
    @classmethod
    def _key_not_empty(cls, key: SecretStr | None) -> SecretStr | None:
        """An empty key would let everyone in: refuse to start rather than guess what was meant."""
        if key is not None and not key.get_secret_value().strip():
            raise ValueError("api_key (SIMSERVICE_API_KEY or --api-key) is set but empty: give a key, or unset it "
                             "to run without one")
        return key

    @model_validator(mode="after")
    def _int8_with_xla(self):
        check_precision(self.precision, self.xla)
        return self

    @model_validator(mode="after")
    def _milvus_answers_within_the_request(self):
        """Each Milvus call is bounded by milvus_timeout: below the request timeout, a lost Milvus
        is a 503 in time, never a hang past it."""
        if self.index_backend == "milvus" and self.milvus_timeout >= self.request_timeout:
            raise ValueError(f"milvus_timeout ({self.milvus_timeout:g} s) must be less than request_timeout "
                             f"({self.request_timeout:g} s)")
        return self

    def exposure_warning(self) -> str | None:
        """What to log when the service listens beyond this machine with no API key."""
        try:
            loopback = self.host == "localhost" or ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            loopback = False
        if loopback or self.api_key is not None:
            return None
        return (f"listening on {self.host} with no API key: anyone who can reach port {self.port} can use and "
                "change every collection; set SIMSERVICE_API_KEY or bind to 127.0.0.1")
