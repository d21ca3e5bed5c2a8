"""A loaded model ready for use: tokenizer, one encoder and (for models that generate) the cached
decoder over one set of weights."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from simservice.inference.batching import BatchLimits, bucket_rows
from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
from simservice.inference.encoder import Encoder
from simservice.inference.paraphrase import ParaphraseJob, ParaphraseResult, rank_candidates, unique_candidates
from simservice.inference.sampler import DEFAULT_SAMPLING, SamplingParams, sampling_params
from simservice.model.config import ModelConfig
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer


class NoGenerator(ValueError):
    """Asked to generate with a model that only encodes."""


class SimPipeline:
    """What `load_model` returns: `encode` for sentence vectors, `generate` and `paraphrase` for
    UniLM samples. It is also the serving engine's model (see `inference.loaded_model.LoadedModel`):
    `embed` runs one batch the queue formed, `paraphrase_batch` a batch of checked jobs."""

    def __init__(self, model: SimModel, tokenizer: Tokenizer, limits: BatchLimits = BatchLimits(),
                 jit_compile: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.jit_compile = jit_compile
        self.encoder = Encoder(model, tokenizer, limits, jit_compile=jit_compile)
        self.decoder = CachedDecoder(model, tokenizer.sep_id, jit_compile=jit_compile) if model.can_generate else None
        self.precision = "float32"  # what it computes in (load_model sets it)
        self.precision_reason = "asked for"  # why (precision auto: what the measurement found)
        self.decoder_precision: str | None = None  # what the decoder computes in where not `precision`
        self.default_sampling: dict[str, Any] = dict(DEFAULT_SAMPLING)  # for calls naming no sampler (load_model
        # reads the checkpoint's generation_config.json, `default_sampling`)

    def decode_with(self, model: SimModel, precision: str) -> None:
        """Generate with `model`, the same weights built in `precision` (precision auto keeps the decoder in
        float32: the same tokens as a float32 model, and bf16 decoding was at most 1.03x faster here,
        bench/NOTES.md)."""
        if self.decoder is not None:
            self.decoder = CachedDecoder(model, self.tokenizer.sep_id, jit_compile=self.jit_compile)
            self.decoder_precision = precision

    @property
    def can_generate(self) -> bool:
        """Whether the model has a generator (an embedding model only encodes)."""
        return self.decoder is not None

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    @property
    def dim(self) -> int:
        return self.model.config.hidden_size

    @property
    def limits(self) -> BatchLimits:
        return self.encoder.limits

    # -- sentence vectors -----------------------------------------------------------------

    def encode(self, texts: Sequence[str] | str, normalize: bool = True, prompt_name: str | None = None) -> np.ndarray:
        """float32 [N, dim], rows L2-normalised (unless `normalize=False`), in input order; each text
        after the model's prompt `prompt_name` (default: its default prompt, if any)."""
        if isinstance(texts, str):
            texts = [texts]
        return self.encoder.encode(list(texts), normalize, self.tokenizer.prompts.text(prompt_name))

    def embed(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooler outputs [N, dim] (not normalised) of one batch within `limits`: one forward pass."""
        return self.encoder.forward(token_ids)

    # -- generation -----------------------------------------------------------------------

    def paraphrase_job(self, text: str, source_ids: Sequence[int] | None = None, *, n: int = 32, k: int = 8,
                       sampling: SamplingParams | None = None, max_length: int = 32,
                       mask_idxs: Sequence[int] = (), seed: int | None = None) -> ParaphraseJob:
        """A checked job (ValueError says what is wrong). `source_ids` are the text's token ids when
        the caller has them (cut to a limit, say); then `text` should be what they decode to. Without
        `sampling`, the model's `default_sampling`."""
        if self.decoder is None:
            raise NoGenerator(f"this model ({self.config.family}) has no generator: it encodes only; "
                              "paraphrases need a RoFormer-Sim or SimBERT model")
        if n < 1 or k < 1 or max_length < 1:
            raise ValueError(f"n, k and max_length must be >= 1, got n={n}, k={k}, max_length={max_length}")
        ids = list(self.tokenizer.encode(text) if source_ids is None else source_ids)
        prompt = list(ids)
        if mask_idxs and self.tokenizer.mask_id is None:
            raise ValueError("mask_idxs: this model's vocabulary has no mask token, so no input token can be masked; "
                             "leave mask_idxs out")
        for i in mask_idxs or ():
            if not 0 <= i < len(ids):
                raise ValueError(f"mask_idxs: mask index {i} is outside the {len(ids)} tokens of the input "
                                 f"(positions 0 to {len(ids) - 1}, [CLS] is 0)")
            prompt[i] = self.tokenizer.mask_id
        c = self.model.config
        if c.absolute_positions and len(ids) + max_length > c.max_position:
            raise ValueError(f"{len(ids)} input tokens + max_length {max_length} exceed the model's "
                             f"{c.max_position} positions; shorten the text or lower max_length")
        sampling = sampling if sampling is not None else sampling_params(None, {}, self.default_sampling)
        return ParaphraseJob(text, tuple(ids), tuple(prompt), n, k, max_length, sampling, seed)

    def generate(self, text: str, n: int = 1, *, max_length: int = 32, seed: int | None = None,
                 mask_idxs: Sequence[int] = (), sampler: str | None = None, **knobs) -> list[str]:
        """n sampled continuations of `text` from the UniLM head (cached decoder); `knobs` are the
        sampling knobs by name (`sampler.KNOBS`: top_k, top_p, min_p, ...); `top_k=1` is greedy."""
        job = self.paraphrase_job(text, n=n, k=n, sampling=SamplingParams(strategy=sampler, **knobs),
                                  max_length=max_length, mask_idxs=mask_idxs, seed=seed)
        return [self.tokenizer.decode(ids) for ids in self.decoder.decode([_decode_request(job)])[0]]

    def paraphrase(self, text: str, n: int = 32, k: int = 8, *, max_length: int = 32,
                   mask_idxs: Sequence[int] = (), seed: int | None = None, sampler: str | None = None,
                   **knobs) -> list[tuple[str, float]]:
        """SimBERT's gen_synonyms: up to k (text, cosine) pairs, best first, without the input (with the
        model's `default_sampling` unless `sampler` or `knobs` choose a sampler)."""
        job = self.paraphrase_job(text, n=n, k=k, sampling=sampling_params(sampler, knobs, self.default_sampling),
                                  max_length=max_length, mask_idxs=mask_idxs, seed=seed)
        return self.paraphrase_batch([job])[0].paraphrases

    def paraphrase_batch(self, jobs: Sequence[ParaphraseJob]) -> list[ParaphraseResult]:
        """gen_synonyms for several checked jobs decoded together, then ranked in one encoder
        pass (split only where the batch limits require)."""
        if not jobs:
            return []
        decoded, logprobs = self.decoder.decode_scored([_decode_request(job) for job in jobs])
        texts = [[self.tokenizer.decode(ids) for ids in outputs] for outputs in decoded]
        candidates = [unique_candidates(job.text, sampled) for job, sampled in zip(jobs, texts)]
        ids: list[Sequence[int]] = []
        for job, cands in zip(jobs, candidates):
            ids += [job.source_ids, *self.tokenizer.encode_batch(cands)]
        vectors = self.encoder.encode_ids(ids)
        results, start = [], 0
        for job, cands, outputs, sampled, scores in zip(jobs, candidates, decoded, texts, logprobs):
            block = vectors[start: start + 1 + len(cands)]
            ranked = rank_candidates(job.text, cands, block, job.k)
            first = {}
            for text, score in zip(sampled, scores):
                first.setdefault(text, score)
            results.append(ParaphraseResult(ranked, sum(len(o) for o in outputs),
                                            {text: first[text] for text, _ in ranked}))
            start += 1 + len(cands)
        return results

    # -- serving --------------------------------------------------------------------------

    def pending_compiles(self) -> int:
        """Decode shapes queued for XLA compilation and not compiled yet (0 without XLA)."""
        if self.decoder is None or self.decoder.compiles is None:
            return 0
        return self.decoder.compiles.pending()

    def wait_for_compiles(self, timeout: float | None = None) -> bool:
        """With XLA, wait until the decode shapes queued so far are compiled (benches, tests);
        False if `timeout` passed first. At once True without XLA."""
        return self.decoder is None or self.decoder.compiles is None or self.decoder.compiles.wait(timeout)

    def warm_up(self, max_tokens: int) -> None:
        """Run what serving runs once, so the first requests do not pay for tracing (or, with XLA,
        compiling): the encoder at every length bucket and every row bucket, one short paraphrase.
        With XLA, also queue the background compiles of a default paraphrase request (n=32,
        max_length=32, sources of up to 16 tokens); other decode shapes compile when first seen."""
        tok = self.tokenizer
        for length in range(8, max_tokens + 8, 8):
            length = min(length, max_tokens)
            self.embed([[tok.cls_id, *[tok.unk_id] * (length - 2), tok.sep_id]])
        rows = 2
        while rows <= self.limits.max_rows and self.limits.fits(rows, 3):
            self.embed([[tok.cls_id, tok.unk_id, tok.sep_id]] * rows)
            rows = bucket_rows(rows + 1)
        if self.decoder is None:
            return
        self.paraphrase_batch([self.paraphrase_job("warm up", n=2, k=1, max_length=2, seed=0)])
        for source_length in (16, 8):  # most sentences take 9-16 tokens
            self.decoder.precompile(32, source_length, 32)


def _decode_request(job: ParaphraseJob) -> DecodeRequest:
    return DecodeRequest(list(job.prompt_ids), job.n, job.sampling, job.max_length, job.seed)
