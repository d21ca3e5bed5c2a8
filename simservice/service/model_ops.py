"""The model's operations: sentence vectors (with the model's prompts), similarity, search of a
collection, and paraphrases. Each text is checked and tokenized once, here, then queued."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, Mapping, Sequence

import numpy as np

from simservice.index import Hit
from simservice.index.validation import MAX_K
from simservice.inference.loaded_model import LoadedModel
from simservice.inference.paraphrase import ParaphraseJob, ParaphraseResult
from simservice.inference.sampler import sampling_params
from simservice.service.base import ServiceBase, in_thread
from simservice.service.config import NOBODY, Caller
from simservice.service.engine.jobs import JobKind
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.texts import check_count, check_samples, field_names, prompt_text, tokenize


@dataclasses.dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # float32 [N, dim], in input order
    tokens: int  # tokens of the inputs, [CLS], [SEP] and prompts included


@dataclasses.dataclass(frozen=True)
class Found:
    """A search hit, with the item's stored vector when it was asked for."""

    hit: Hit
    vector: list[float] | None = None


@dataclasses.dataclass(frozen=True)
class ParaphraseOptions:
    """How to sample and keep paraphrases (SimBERT's gen_synonyms: n samples, the k nearest kept);
    `knobs` are the sampling knobs by name (`inference.sampler.KNOBS`), unset (None or missing) ones at
    their defaults; naming no sampler, top_k or top_p samples with the model's default sampling."""

    n: int = 32
    k: int = 8
    sampler: str | None = None
    knobs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    max_length: int = 32
    mask_idxs: Sequence[int] = ()
    seed: int | None = None
    truncate: bool = False


class ModelOperations(ServiceBase):
    async def embed(self, texts: Sequence[str], *, prompt_name: str | None = None, truncate: bool = False,
                    normalize: bool = True, names: Sequence[str] | None = None, what: str = "texts",
                    caller: Caller = NOBODY) -> Embeddings:
        """Vectors of `texts`, each after the model's prompt `prompt_name` (default: its default
        prompt); `names` say where each text is in the call, `what` the texts are, for messages."""
        prompt = prompt_text(self.require_ready().tokenizer, prompt_name)
        return await self._embed(texts, prompt, truncate, normalize, names, caller, what)

    async def similarity(self, source: str, targets: Sequence[str], *, truncate: bool = False,
                         names: Sequence[str] | None = None, caller: Caller = NOBODY) -> list[float]:
        """The cosine of each target to the source (the model's default prompt before each)."""
        prompt = self.require_ready().tokenizer.prompts.text()
        vectors = (await self._embed([source, *targets], prompt, truncate, True, names, caller)).vectors
        return (vectors[1:] @ vectors[0]).tolist()

    async def rerank(self, query: str, documents: Sequence[str], *, truncate: bool = False,
                     names: Sequence[str] | None = None, caller: Caller = NOBODY) -> tuple[list[float], int]:
        """The cosine of each document (after the document prompt) to the query (after the query
        prompt), as a search would score them, and the tokens read."""
        prompts = self.require_ready().tokenizer.prompts
        names = names or ["query", *field_names("documents", len(documents))]
        asked, found = await asyncio.gather(  # one queue: the query and the documents batch together
            self._embed([query], prompts.query(), truncate, True, names[:1], caller, "queries"),
            self._embed(documents, prompts.document(), truncate, True, names[1:], caller, "documents"))
        return (found.vectors @ asked.vectors[0]).tolist(), asked.tokens + found.tokens

    async def similar(self, collection: str, *, texts: Sequence[str] | None = None,
                      vector: Sequence[float] | None = None, item_id: str | None = None, k: int = 10,
                      filter: dict[str, Any] | None = None, min_score: float | None = None,
                      search_params: dict[str, int] | None = None,
                      with_vectors: bool = False, truncate: bool = False, names: Sequence[str] | None = None,
                      caller: Caller = NOBODY) -> list[list[Found]]:
        """The nearest items of the collection to each query: texts (after the query prompt), a
        vector, or a stored item's vector (the item itself left out). With `with_vectors`, each
        hit carries its stored vector; an item deleted since the search is left out."""
        store = await in_thread(self.require_index().get, collection)  # NOT_FOUND before any model work
        if vector is not None:
            hits = await in_thread(store.search, np.asarray(vector), k, filter, min_score, search_params)
        elif item_id is not None:
            hits = await in_thread(_nearest_others, store, item_id, k, filter, min_score, search_params)
        else:
            prompt = self.require_ready().tokenizer.prompts.query()
            queries = (await self._embed(texts, prompt, truncate, True, names, caller)).vectors
            hits = await in_thread(store.search, queries, k, filter, min_score, search_params)
        if not with_vectors:
            return [[Found(hit) for hit in row] for row in hits]
        stored = await in_thread(_hit_vectors, store, hits)
        return [[Found(hit, stored[hit.id]) for hit in row if hit.id in stored] for row in hits]

    async def paraphrase(self, texts: Sequence[str], options: ParaphraseOptions = ParaphraseOptions(), *,
                         names: Sequence[str] | None = None, caller: Caller = NOBODY) -> list[ParaphraseResult]:
        """Paraphrases of each text, best first (gen_synonyms); UNSUPPORTED for a model that only encodes."""
        jobs = await in_thread(self._paraphrase_jobs, self.require_generator(), texts, options, names)
        return await self._run(JobKind.PARAPHRASE, jobs, [len(job.source_ids) for job in jobs], caller)

    async def _embed(self, texts: Sequence[str], prompt: str, truncate: bool, normalize: bool,
                     names: Sequence[str] | None, caller: Caller, what: str = "texts") -> Embeddings:
        """Vectors [N, dim] of `texts` through the engine (unit rows when `normalize`), each after `prompt`."""
        model = self.require_ready()
        check_count(len(texts), self.config.max_client_batch_size, what)
        ids, _ = await in_thread(tokenize, model.tokenizer, texts, self.max_input_tokens, truncate, names, prompt)
        vectors = np.stack(await self._run(JobKind.ENCODE, ids, [len(seq) for seq in ids], caller))
        if normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return Embeddings(vectors, sum(len(seq) for seq in ids))

    def _paraphrase_jobs(self, model: LoadedModel, texts: Sequence[str], options: ParaphraseOptions,
                         names: Sequence[str] | None) -> list[ParaphraseJob]:
        """The call's checked jobs: each text tokenized once, its sampling and masks checked once."""
        check_samples(options.n, options.k, self.config.max_paraphrase_n)
        check_count(len(texts), self.config.max_client_batch_size)
        names = names or [f"texts[{i}]" for i in range(len(texts))]
        ids, cut = tokenize(model.tokenizer, texts, self.max_input_tokens, options.truncate, names)
        try:
            sampling = sampling_params(options.sampler, options.knobs, model.default_sampling)
        except ValueError as exc:
            raise ServiceError(ErrorKind.INVALID, str(exc)) from None
        jobs = []
        for text, seq, was_cut, name in zip(texts, ids, cut, names):
            try:  # a cut text is continued (and compared with its candidates) as what its kept tokens say
                jobs.append(model.paraphrase_job(model.tokenizer.decode(seq) if was_cut else text, seq, n=options.n,
                                                 k=options.k, sampling=sampling, max_length=options.max_length,
                                                 mask_idxs=options.mask_idxs, seed=options.seed))
            except ValueError as exc:
                raise ServiceError(ErrorKind.INVALID, f"{name}: {exc}") from None
        return jobs


def _hit_vectors(store, hits: list[list[Hit]]) -> dict[str, list[float]]:
    """The stored vector of every hit, by id, in one read."""
    return {item.id: [float(x) for x in item.vector] for item in store.get_many([h.id for row in hits for h in row])}


def _nearest_others(store, item_id: str, k: int, filter, min_score, search_params) -> list[list[Hit]]:
    """The hits of a stored item's vector, the item itself left out (NOT_FOUND if it is not stored)."""
    item = store.get(item_id)
    [row] = store.search(np.asarray(item.vector)[None, :], min(k + 1, MAX_K), filter, min_score, search_params)
    return [[hit for hit in row if hit.id != item_id][:k]]
