"""`simservice serve`: the argparse subcommand that runs the service (under uvicorn: serving/api/server.py).

Flags override `SIMSERVICE_*` environment variables, which override the defaults in Settings.
"""

from __future__ import annotations

import argparse
import logging
import os

from simservice.precision import PRECISIONS

POOLINGS = ("linear", "cls", "mean")  # model.config.POOLINGS, without importing Keras for --help

FLAGS = {  # flag -> (settings field, type, help)
    "--model": ("model", str, "checkpoint directory (default models/demo)"),
    "--family": ("family", str, "model family: roformer-sim, bert-embedding or bert-unilm (default: told from "
                                "the checkpoint)"),
    "--served-model-name": ("served_model_name", str, "the model's name in /v1 answers (default: its directory's)"),
    "--index": ("index", str, "where collections live, as a URL: faiss:///path (default: faiss in data/index), "
                              "memory://, milvus://host:port, postgresql://user:pass@host:port/db"),
    "--data-dir": ("data_dir", str, "deprecated: use --index faiss:///path"),
    "--milvus-uri": ("milvus_uri", str, "deprecated with --index-backend: use --index milvus://host:port"),
    "--milvus-token": ("milvus_token", str, "Milvus credentials: 'user:password' or an API key (or ?token=)"),
    "--milvus-prefix": ("milvus_prefix", str, "prefix of this service's Milvus collections (default simservice_; "
                                              "or ?prefix=)"),
    "--milvus-timeout": ("milvus_timeout", float, "seconds one Milvus call may take before 503 (default 10; "
                                                  "or ?timeout=)"),
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
    "--max-augment-jobs": ("max_augment_jobs", int, "background jobs (augmentations, uploads) running at once"),
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
                       help="deprecated: use --index faiss:///path or --index milvus://host:port")
    serve.add_argument("--protect-docs", dest="protect_docs", action="store_true", default=None,
                       help="require the API key on /docs and /openapi.json too")
    serve.add_argument("--cors-origins", dest="cors_origins", type=_origins, default=None,
                       help="comma-separated browser origins allowed to call the API, e.g. "
                            "https://app.example.com (default: none, CORS off)")
    serve.add_argument("--no-warmup", dest="warmup", action="store_false", default=None,
                       help="answer /ready without running each batch shape first")
    serve.add_argument("--xla", dest="xla", action="store_true", default=None,
                       help="compile the encoder and the decode loop with XLA")
    serve.add_argument("--precision", dest="precision", default=None,
                       choices=PRECISIONS, help="compute precision (default auto: the fastest that keeps float32's "
                                                "vectors on this machine, measured once); int8 needs --xla")
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
    for flag in ("warmup", "xla", "precision", "pooling", "index_backend", "protect_docs", "cors_origins"):
        if getattr(args, flag, None) is not None:
            given[flag] = getattr(args, flag)
    settings = Settings(**given)
    if line := deprecated_index_options(given, settings):
        logging.getLogger("simservice").warning("%s", line)
    return settings


DEPRECATED = {"index_backend": "--index-backend", "data_dir": "--data-dir", "milvus_uri": "--milvus-uri"}


def deprecated_index_options(given: dict, settings) -> str | None:
    """The deprecation line for the index options before --index (flags or SIMSERVICE_* variables)."""
    used = [flag for field, flag in DEPRECATED.items()
            if field in given or f"SIMSERVICE_{field.upper()}" in os.environ]
    if not used:
        return None
    if settings.index is not None:
        return f"{', '.join(used)} ignored: --index (SIMSERVICE_INDEX) is set; these options go in the next release"
    return (f"{', '.join(used)} deprecated (removed in the next release): use --index {settings.index_url().shown} "
            "(or SIMSERVICE_INDEX)")


def check_port_free(host: str, port: int) -> None:
    """ValueError naming --port when `host:port` cannot be listened on (in use, or not this machine's)."""
    import socket

    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ValueError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise ValueError(f"cannot listen on {host}:{port} ({exc.strerror}): another process uses it? "
                             "choose another port with --port") from None


def serve_command(args: argparse.Namespace) -> int:
    import sys

    from simservice.serving.api.app import create_app
    from simservice.serving.api.request_log import configure_logging
    from simservice.index import BackendNotInstalled
    from simservice.serving.api.server import run_server

    settings = settings_from_args(args)
    if not os.path.isdir(settings.model):
        raise ValueError(f"model directory {settings.model!r} does not exist: pass --model or set SIMSERVICE_MODEL")
    check_port_free(settings.host, settings.port)  # before the model loads, not 25 s later
    configure_logging(args.log_format, args.log_level)
    if warning := settings.exposure_warning():
        logging.getLogger("simservice").warning("%s", warning)
    try:
        app = create_app(settings)
    except BackendNotInstalled as exc:
        print(f"simservice serve: {exc}", file=sys.stderr)
        return 2
    run_server(app, settings, args.log_level)
    return 0
