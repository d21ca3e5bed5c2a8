"""`simservice serve`: the argparse subcommand that runs the service under uvicorn.

Flags override `SIMSERVICE_*` environment variables, which override the defaults in Settings.
"""

from __future__ import annotations

import argparse

from simservice.precision import PRECISIONS

POOLINGS = ("linear", "cls", "mean")  # model.config.POOLINGS, without importing Keras for --help

FLAGS = {  # flag -> (settings field, type, help)
    "--model": ("model", str, "checkpoint directory (default models/demo)"),
    "--family": ("family", str, "model family: roformer-sim, bert-embedding or bert-unilm (default: told from the checkpoint)"),
    "--served-model-name": ("served_model_name", str, "the model's name in /v1 answers (default: its directory's)"),
    "--data-dir": ("data_dir", str, "directory of the embedded vector index (default data/index)"),
    "--milvus-uri": ("milvus_uri", str, "Milvus server for --index-backend milvus (default http://127.0.0.1:19530)"),
    "--milvus-token": ("milvus_token", str, "Milvus credentials: 'user:password' or an API key"),
    "--milvus-prefix": ("milvus_prefix", str, "prefix of this service's Milvus collections (default simservice_)"),
    "--milvus-timeout": ("milvus_timeout", float, "seconds one Milvus call may take before 503 (default 10)"),
    "--host": ("host", str, "address to listen on (default 127.0.0.1)"),
    "--port": ("port", int, "port to listen on (default 8000)"),
    "--api-key": ("api_key", str, "require 'Authorization: Bearer <key>' on all but /health and /ready"),
    "--max-batch-tokens": ("max_batch_tokens", int, "token budget of one encoder batch, padding counted"),
    "--max-batch-size": ("max_batch_size", int, "texts or paraphrase jobs per model batch; 1 turns batching off"),
    "--max-batch-samples": ("max_batch_samples", int, "paraphrase samples (n summed) in one decoder batch"),
    "--max-concurrent-requests": ("max_concurrent_requests", int, "model requests in flight before 429"),
    "--request-timeout": ("request_timeout", float, "seconds a request may wait for the model before 503"),
    "--max-input-tokens": ("max_input_tokens", int, "longest text in tokens (default: the model's)"),
    "--max-client-batch-size": ("max_client_batch_size", int, "texts or items in one request"),
    "--max-paraphrase-n": ("max_paraphrase_n", int, "most samples per paraphrase request"),
    "--max-body-bytes": ("max_body_bytes", int, "largest request body in bytes"),
    "--header-timeout": ("header_timeout", float, "seconds to send a request head before the connection "
                                                  "is closed (default 10)"),
    "--body-timeout": ("body_timeout", float, "seconds for a request body to arrive before 408 (default 30)"),
    "--send-timeout": ("send_timeout", float, "seconds a response may wait for a client that stopped reading "
                                              "before the connection is dropped (default 30)"),
    "--keep-alive-timeout": ("keep_alive_timeout", float, "seconds an idle keep-alive connection stays open "
                                                          "(default 5)"),
    "--max-connections": ("max_connections", int, "open connections and requests before 503 (default 1024)"),
    "--max-augment-jobs": ("max_augment_jobs", int, "background augmentation jobs running at once"),
    "--max-job-rows": ("max_job_rows", int, "rows in one augmentation job"),
}


def register(subparsers) -> None:
    """Add the `serve` subcommand to the `simservice` command's subparsers."""
    serve = subparsers.add_parser("serve", help="run the HTTP service (FastAPI under uvicorn)",
                                  description=__doc__)
    for flag, (field, kind, help_text) in FLAGS.items():
        serve.add_argument(flag, dest=field, type=kind, default=None, help=help_text)
    serve.add_argument("--pooling", dest="pooling", default=None, choices=POOLINGS,
                       help="sentence vector: linear (SimBERT's pooler), cls or mean (default: the checkpoint's)")
    serve.add_argument("--index-backend", dest="index_backend", default=None, choices=["faiss", "milvus"],
                       help="faiss: embedded in --data-dir (default); milvus: a server shared by replicas")
    serve.add_argument("--protect-docs", dest="protect_docs", action="store_true", default=None,
                       help="require the API key on /docs, /redoc and /openapi.json too")
    serve.add_argument("--cors-origins", dest="cors_origins", type=_origins, default=None,
                       help="comma-separated browser origins allowed to call the API, e.g. "
                            "https://app.example.com (default: none, CORS off)")
    serve.add_argument("--no-warmup", dest="warmup", action="store_false", default=None,
                       help="answer /ready without running each batch shape first")
    serve.add_argument("--xla", dest="xla", action="store_true", default=None,
                       help="compile the encoder and the decode loop with XLA")
    serve.add_argument("--precision", dest="precision", default=None,
                       choices=PRECISIONS, help="compute precision (default float32); int8 needs --xla")
    serve.add_argument("--log-level", default="info", help="log level (default info: start-up and one line "
                                                           "per request)")
    serve.add_argument("--log-format", default="text", choices=["text", "json"],
                       help="text lines, or one JSON object a line with request_id, route, status, latency_ms")
    serve.set_defaults(func=serve_command)


def _origins(value: str) -> list[str]:
    """--cors-origins: a comma-separated list of origins."""
    return [origin.strip() for origin in value.split(",") if origin.strip()]


def settings_from_args(args: argparse.Namespace):
    """Settings from the environment, with the flags that were given on top."""
    from simservice.serving.settings import Settings

    given = {field: getattr(args, field) for field, *_ in FLAGS.values() if getattr(args, field, None) is not None}
    for flag in ("warmup", "xla", "precision", "index_backend", "protect_docs", "cors_origins"):
        if getattr(args, flag, None) is not None:
            given[flag] = getattr(args, flag)
    return Settings(**given)


def serve_command(args: argparse.Namespace) -> int:
    import logging
    import os

    import uvicorn

    from simservice.serving.api.app import create_app
    from simservice.serving.api.request_log import configure_logging
    from simservice.serving.connections import server_config

    settings = settings_from_args(args)
    if not os.path.isdir(settings.model):
        raise ValueError(f"model directory {settings.model!r} does not exist: pass --model or set SIMSERVICE_MODEL")
    configure_logging(args.log_format, args.log_level)
    if warning := settings.exposure_warning():
        logging.getLogger("simservice").warning("%s", warning)
    uvicorn.Server(server_config(create_app(settings), settings, args.log_level)).run()
    return 0
