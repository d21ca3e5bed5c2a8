"""Service settings: from `SIMSERVICE_*` environment variables, `simservice serve` flags, or code."""

from __future__ import annotations

import ipaddress
import os
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from simservice.defaults import demo_model
from simservice.index import IndexUrl, MilvusOptions, parse_index_url
from simservice.index.errors import IndexStoreError
from simservice.precision import Precision, check_precision


class Settings(BaseSettings):
    """Everything the service can be told; each field is also the environment variable
    `SIMSERVICE_<FIELD>` (e.g. `SIMSERVICE_MAX_BATCH_TOKENS=4096`)."""

    model_config = SettingsConfigDict(env_prefix="SIMSERVICE_", extra="forbid", protected_namespaces=(),
                                      hide_input_in_errors=True)

    model: str = Field(default_factory=demo_model, description="checkpoint directory (official TF1 or Hugging "
                                                                 "Face); default: the demo, models/demo")
    family: str | None = Field(None, description="model family: roformer-sim (RoFormer-Sim, SimBERT), bert-embedding "
                                                 "(e5, bge, text2vec) or bert-unilm; default: told from the checkpoint")
    pooling: Literal["linear", "cls", "mean"] | None = Field(
        None, description="sentence vector: linear ([CLS] through SimBERT's pooler), cls or mean; default: the "
                          "checkpoint's sentence-transformers files, else its family's")
    served_model_name: str | None = Field(None, description="the model's name in /v1 answers (default: the "
                                                            "model directory's name)")
    index: SecretStr | None = Field(  # secret: the URL may hold a password
        None, description="where collections live, as a URL: faiss:///path (embedded; the default, in data_dir), "
                          "memory:// (nothing kept), milvus://host:port or postgresql://user:pass@host:port/db "
                          "(servers shared by many replicas)")
    data_dir: str = Field("data/index", description="directory of the embedded FAISS index when `index` is unset")
    index_backend: Literal["faiss", "milvus"] | None = Field(
        None, description="deprecated (one release): use index, e.g. milvus://host:port")
    milvus_uri: str = Field("http://127.0.0.1:19530", description="deprecated with index_backend: the Milvus server")
    milvus_token: SecretStr | None = Field(None, description="Milvus credentials: 'user:password' or an API key "
                                                                "(or milvus://user:password@host:port)")
    milvus_prefix: str = Field("simservice_", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
                               description="prefix of this service's Milvus collection names (or ?prefix=)")
    milvus_timeout: float = Field(10.0, gt=0, description="seconds one Milvus call may take before 503 (or ?timeout=)")
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=0, le=65535, description="port to listen on")
    api_key: SecretStr | None = Field(None, description="when set, `Authorization: Bearer <key>` is required "
                                                        "on every route but /health and /ready")
    protect_docs: bool = Field(False, description="with an API key, require it on /docs and /openapi.json "
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
    max_augment_jobs: int = Field(2, ge=1, description="background jobs (augmentations and uploads) running at once "
                                                       "(429 past it)")
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
        "auto", description="compute precision; auto (default): the fastest of float32, mixed_bfloat16 (CPUs with "
                            "AVX-512 BF16 or AMX, without xla), int8 (VNNI/AMX, with xla) or mixed_float16 (GPUs) "
                            "that keeps float32's vectors (cosine >= 0.999), measured at the first load on this "
                            "machine and remembered; int8 (with xla only) quantizes the transformer blocks' weights")

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
    def _index_answers_within_the_request(self):
        """The index URL parses, and each call to a server backend is bounded below the request timeout:
        a lost Milvus or Postgres is a 503 in time, never a hang past it."""
        try:
            target = self.index_url()
        except IndexStoreError as exc:
            raise ValueError(str(exc)) from None
        if target.timeout is not None and target.timeout >= self.request_timeout:
            where = "milvus_timeout or the URL's timeout=" if target.backend == "milvus" else "the URL's timeout="
            raise ValueError(f"the index's timeout ({target.timeout:g} s, {where}) must be less than "
                             f"request_timeout ({self.request_timeout:g} s)")
        return self

    def served_name(self) -> str:
        """The model's name in /v1 answers: served_model_name, else the model directory's name."""
        return self.served_model_name or os.path.basename(os.path.normpath(self.model))

    def index_url(self) -> IndexUrl:
        """The index backend and its options: `index`, else the deprecated index_backend / data_dir."""
        token = self.milvus_token.get_secret_value() if self.milvus_token else None
        milvus = MilvusOptions(self.milvus_uri, token, self.milvus_prefix, self.milvus_timeout)
        url = self.index.get_secret_value() if self.index else None
        if url is None and self.index_backend == "milvus":
            scheme, _, where = self.milvus_uri.partition("://")
            url = f"milvus{'+https' if scheme == 'https' else ''}://{where or scheme}"
        return parse_index_url(url, data_dir=self.data_dir, milvus=milvus)

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
