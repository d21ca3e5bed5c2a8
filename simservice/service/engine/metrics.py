"""Prometheus metrics of one app, in their own registry (so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
TOKEN_BUCKETS = (16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("simservice_requests_total", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("simservice_request_duration_seconds", "HTTP request latency",
                                 ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=r)
        self.queue_size = Gauge("simservice_queue_size", "texts and paraphrase jobs waiting for the model",
                                ["kind"], registry=r)
        self.in_flight = Gauge("simservice_requests_in_flight", "model requests admitted and not yet answered",
                               registry=r)
        self.rejected = Counter("simservice_requests_rejected_total",
                                "model requests refused or dropped before compute, by reason",
                                ["reason"], registry=r)
        self.batch_size = Histogram("simservice_batch_size", "texts (encode) or jobs (paraphrase) per model batch",
                                    ["kind"], buckets=SIZE_BUCKETS, registry=r)
        self.batch_tokens = Histogram("simservice_batch_tokens", "tokens per model batch, padding counted "
                                      "(paraphrase: source tokens)", ["kind"], buckets=TOKEN_BUCKETS, registry=r)
        self.batch_seconds = Histogram("simservice_batch_duration_seconds", "model time per batch", ["kind"],
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.generation_tokens = Counter("simservice_generated_tokens",
                                         "tokens the decoder generated for paraphrase jobs ([SEP] included)",
                                         registry=r)
        self.pending_compiles = Gauge("simservice_xla_compiles_pending",
                                      "decode loop shapes waiting for their XLA compile (their batches run the "
                                      "traced loop meanwhile)", registry=r)
        self.paraphrases = Counter("simservice_paraphrases_total", "paraphrases returned", registry=r)
