"""`load_model`: a checkpoint directory in either official format -> a ready `SimPipeline`."""

from __future__ import annotations

import logging
from pathlib import Path

from simservice.inference import default_sampling
from simservice.inference.batching import BatchLimits
from simservice.inference.pipeline import SimPipeline
from simservice.model.config import Architecture, Pooling
from simservice.model.loader import load_checkpoint
from simservice.precision import Precision, check_precision

log = logging.getLogger(__name__)


def load_model(path: str | Path, *, architecture: Architecture | None = None, max_length: int | None = None,
               max_batch_rows: int = 32, max_batch_tokens: int = 2048, jit_compile: bool = False,
               precision: Precision = "float32", family: str | None = None,
               pooling: Pooling | None = None) -> SimPipeline:
    """Load an official TF1 release or a Hugging Face checkpoint directory (see `find_checkpoint`).

    The model family is detected (RoFormer-Sim / SimBERT, or a BERT-style embedding model) unless
    `family` names it; `pooling` overrides the checkpoint's; `max_length` the tokenizer's limit
    (default: 64 for RoFormer-Sim, the model's own for embedding models).

    `max_batch_rows` and `max_batch_tokens` bound one encoder forward pass (padding counted);
    `jit_compile` compiles the encoder and the whole decode loop with XLA (one executable per batch
    shape bucket; the decode loop's in the background, see `SimPipeline.wait_for_compiles`);
    `precision` "mixed_bfloat16" / "mixed_float16" computes in 16 bits, "int8" runs the
    transformer blocks' matmuls in int8 and needs `jit_compile` (see `check_precision`), "auto" the
    fastest of those that keeps float32's vectors here, measured once and remembered (`auto_precision`),
    for the encoder (a generator stays in float32); the pipeline's `precision` says which one runs,
    `decoder_precision` the decoder's where it differs. A paraphrase call that names no sampler samples
    with the checkpoint's `generation_config.json` (`default_sampling`), else top_p 0.95.
    """
    check_precision(precision, jit_compile)

    def load(chosen: str) -> SimPipeline:
        model, tokenizer = load_checkpoint(path, architecture=architecture, max_length=max_length, precision=chosen,
                                           family=family, pooling=pooling)
        pipeline = SimPipeline(model, tokenizer, BatchLimits(max_batch_rows, max_batch_tokens),
                               jit_compile=jit_compile)
        pipeline.precision = chosen
        return pipeline

    default = default_sampling.read(path)  # a bad generation_config.json fails before the weights load
    pipeline = load(precision) if precision != "auto" else _load_auto(path, load, jit_compile)
    pipeline.default_sampling = default
    return pipeline


def _load_auto(path, load, xla: bool) -> SimPipeline:
    import tensorflow as tf

    from simservice.inference import auto_precision as auto

    flags, gpu = auto.cpu_flags(), bool(tf.config.list_physical_devices("GPU"))
    names = auto.candidates(flags, xla, gpu)
    if not names:
        choice = auto.Choice("float32", "no bfloat16 or int8 units to use here" + (" with XLA" if xla else ""))
        pipeline = load("float32")
    else:
        key = auto.cache_key(path, xla, flags, gpu)
        choice = auto.remembered(key)
        if choice is not None:
            pipeline = load(choice.precision)
            if choice.precision != "float32" and pipeline.can_generate:
                twin = auto.float32_twin(pipeline.model)  # no second read of the files where it can
                pipeline = auto.with_float32_decoder(pipeline, twin if twin is not None else load("float32").model)
        else:
            pipeline, choice = auto.choose(load, names)
            auto.remember(key, choice)
    pipeline.precision_reason = choice.reason
    log.info("precision auto: %s (%s)", choice.precision, choice.reason)
    return pipeline
