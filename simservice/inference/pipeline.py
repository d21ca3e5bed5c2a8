"""A loaded model ready for use: tokenizer, encoder and decoders over one set of weights."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
from simservice.inference.encoder import Encoder
from simservice.inference.paraphrase import ParaphraseJob, rank_candidates, unique_candidates
from simservice.inference.reference_decoder import ReferenceDecoder
from simservice.inference.sampler import SamplingParams
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer


class SimPipeline:
    """What `load_model` returns: `encode` for sentence vectors, `generate` for UniLM samples."""

    def __init__(self, model: SimModel, tokenizer: Tokenizer, max_batch_rows: int = 32,
                 jit_compile: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.encoder = Encoder(model, tokenizer, max_batch_rows=max_batch_rows, jit_compile=jit_compile)
        self.decoder = CachedDecoder(model, tokenizer.sep_id, jit_compile=jit_compile)
        self.reference_decoder = ReferenceDecoder(model, tokenizer.sep_id)

    @property
    def config(self):
        return self.model.config

    @property
    def dim(self) -> int:
        return self.model.config.hidden_size

    def encode(self, texts: Sequence[str] | str, normalize: bool = True) -> np.ndarray:
        """float32 [N, dim], rows L2-normalised (unless `normalize=False`), in input order."""
        if isinstance(texts, str):
            texts = [texts]
        return self.encoder.encode(list(texts), normalize=normalize)

    def source_ids(self, text: str, mask_idxs: Sequence[int] | None = None) -> list[int]:
        """[CLS] text [SEP] with the tokens at `mask_idxs` replaced by [MASK] (RoFormer-Sim's trick for variety)."""
        ids = self.tokenizer.encode(text)
        for i in mask_idxs or ():
            if not 0 <= i < len(ids):
                raise ValueError(f"mask index {i} is outside the {len(ids)} tokens of the input")
            ids[i] = self.tokenizer.mask_id
        return ids

    def generate(self, text: str, n: int = 1, *, top_k: int | None = None, top_p: float | None = None,
                 temperature: float = 1.0, max_length: int = 32, seed: int | None = None,
                 mask_idxs: Sequence[int] | None = None) -> list[str]:
        """n sampled continuations of `text` from the UniLM head (cached decoder); `top_k=1` is greedy."""
        request = self._request(text, n, top_k, top_p, temperature, max_length, seed, mask_idxs)
        return [self.tokenizer.decode(ids) for ids in self.decoder.decode([request])[0]]

    def generate_uncached(self, text: str, n: int = 1, *, top_k: int | None = None, top_p: float | None = None,
                          temperature: float = 1.0, max_length: int = 32, seed: int | None = None,
                          mask_idxs: Sequence[int] | None = None) -> list[str]:
        """`generate` on the reference decoder that recomputes everything each step (the baseline)."""
        r = self._request(text, n, top_k, top_p, temperature, max_length, seed, mask_idxs)
        outputs = self.reference_decoder.generate_ids(r.source_ids, r.n, r.params, r.max_length, r.seed)
        return [self.tokenizer.decode(ids) for ids in outputs]

    def _request(self, text, n, top_k, top_p, temperature, max_length, seed, mask_idxs) -> DecodeRequest:
        if n < 1 or max_length < 1:
            raise ValueError(f"n and max_length must be >= 1, got n={n}, max_length={max_length}")
        params = SamplingParams(top_k=top_k, top_p=top_p, temperature=temperature)
        return DecodeRequest(self._checked_source(text, mask_idxs, max_length), n, params, max_length, seed)

    def check_generation(self, source_length: int, max_length: int) -> None:
        """Refuse a source + output that would outrun BERT's position embeddings (RoFormer has no limit)."""
        c = self.model.config
        if c.architecture == "bert" and source_length + max_length > c.max_position:
            raise ValueError(f"{source_length} input tokens + max_length {max_length} exceed the model's "
                             f"{c.max_position} positions; shorten the text or lower max_length")

    def _checked_source(self, text: str, mask_idxs, max_length: int) -> list[int]:
        ids = self.source_ids(text, mask_idxs)
        self.check_generation(len(ids), max_length)
        return ids

    def paraphrase_batch(self, jobs: Sequence[ParaphraseJob]) -> list[list[tuple[str, float]]]:
        """gen_synonyms for several requests decoded together; (text, score) lists, best first, per job."""
        if not jobs:
            return []
        requests = [DecodeRequest(self._checked_source(job.text, job.mask_idxs, job.max_length), job.n,
                                  job.sampling, job.max_length, job.seed) for job in jobs]
        decoded = self.decoder.decode(requests)
        candidates = [unique_candidates(job.text, [self.tokenizer.decode(ids) for ids in outputs])
                      for job, outputs in zip(jobs, decoded)]
        texts = [t for job, cands in zip(jobs, candidates) for t in (job.text, *cands)]
        vectors = self.encode(texts)  # one encoder pass for every job's input and candidates
        results, start = [], 0
        for job, cands in zip(jobs, candidates):
            block = vectors[start: start + 1 + len(cands)]
            results.append(rank_candidates(job.text, cands, block, job.k))
            start += 1 + len(cands)
        return results

    def paraphrase(self, text: str, n: int = 32, k: int = 8, *, top_p: float | None = 0.95,
                   top_k: int | None = None, temperature: float = 1.0, max_length: int = 32,
                   mask_idxs: Sequence[int] | None = None, seed: int | None = None) -> list[tuple[str, float]]:
        """SimBERT's gen_synonyms: up to k (text, cosine) pairs, best first, without the input."""
        job = ParaphraseJob(text, n, k, top_p, top_k, temperature, max_length, tuple(mask_idxs or ()), seed)
        return self.paraphrase_batch([job])[0]
