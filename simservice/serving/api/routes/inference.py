"""Model routes: /encode, /similarity, /similar, /paraphrase. They validate and tokenize once,
queue the work for the engine, and await it."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from simservice.inference.engine import InferenceEngine
from simservice.inference.paraphrase import ParaphraseJob
from simservice.inference.sampler import SamplingParams
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import GeneratorModel, Index, ReadyModel, State
from simservice.serving.api.schemas import (MAX_K, EncodeMany, EncodeOne, EncodeRequest, Paraphrase, ParaphraseMany,
                                            ParaphraseOne, ParaphraseRequest, SimilarHit, SimilarityMany,
                                            SimilarityOne, SimilarityRequest, SimilarMany, SimilarOne,
                                            SimilarRequest)
from simservice.serving.api.door import DoorRoute
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.texts import check_count, field_names, prompt_text, tokenize
from simservice.serving.engine.errors import ErrorKind, ServiceError
from simservice.serving.engine.jobs import JobKind
from simservice.serving.state import ServiceState

router = APIRouter(tags=["model"], route_class=DoorRoute, dependencies=[Depends(require_api_key)])


async def encode_texts(state: ServiceState, model: InferenceEngine, request: Request, texts: list[str],
                       truncate: bool, normalize: bool = True, names: list[str] | None = None,
                       prompt: str = "") -> np.ndarray:
    """Vectors [N, dim] of `texts` through the batching queue (unit rows when `normalize`), each
    after `prompt`; `names` locate each text in the request for error messages."""
    check_count(len(texts), state.settings.max_client_batch_size)
    ids, _ = await run_in_threadpool(tokenize, model.tokenizer, texts, state.max_input_tokens, truncate, names,
                                     prompt)
    return await embed_ids(state, request, ids, normalize)


async def embed_ids(state: ServiceState, request: Request, ids: list[list[int]], normalize: bool = True) -> np.ndarray:
    """Vectors [N, dim] of texts already tokenized at the door, through the batching queue."""
    vectors = np.stack(await state.run(request, JobKind.ENCODE, ids, [len(seq) for seq in ids]))
    if normalize:
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors


@router.post("/encode", response_model=EncodeOne | EncodeMany, summary="sentence vectors of texts")
async def encode(body: EncodeRequest, state: State, model: ReadyModel, request: Request):
    prompt = prompt_text(model.tokenizer, body.prompt_name)
    vectors = await encode_texts(state, model, request, body.all_texts(), body.truncate, body.normalize,
                                 names=body.names(), prompt=prompt)
    if body.text is not None:
        return EncodeOne(vector=vectors[0].tolist(), dim=vectors.shape[1])
    return EncodeMany(vectors=vectors.tolist(), dim=vectors.shape[1])


@router.post("/similarity", response_model=SimilarityOne | SimilarityMany,
             summary="cosine of a source text to a target or to each target")
async def similarity(body: SimilarityRequest, state: State, model: ReadyModel, request: Request):
    targets = body.all_targets()
    names = ["source", *(["target"] if body.target is not None else field_names("targets", len(targets)))]
    vectors = await encode_texts(state, model, request, [body.source, *targets], body.truncate, names=names,
                                 prompt=model.tokenizer.prompts.text())
    scores = (vectors[1:] @ vectors[0]).tolist()
    return SimilarityOne(score=scores[0]) if body.target is not None else SimilarityMany(scores=scores)


@router.post("/similar", response_model=SimilarOne | SimilarMany, response_model_exclude_none=True,
             summary="nearest indexed items to a query or to each query", responses=error_responses(404))
async def similar(body: SimilarRequest, state: State, index: Index, model: ReadyModel, request: Request):
    store = await run_in_threadpool(index.get, body.collection)  # 404 before any model work
    knobs = body.search_params.model_dump(exclude_none=True) if body.search_params else None
    if body.vector is not None:
        hits = await run_in_threadpool(store.search, np.asarray(body.vector), body.k, body.filter, body.min_score,
                                       knobs)
    elif body.id is not None:
        hits = await run_in_threadpool(nearest_others, store, body, knobs)
    else:
        vectors = await encode_texts(state, model, request, body.all_texts(), body.truncate, names=body.names(),
                                     prompt=model.tokenizer.prompts.query())
        hits = await run_in_threadpool(store.search, vectors, body.k, body.filter, body.min_score, knobs)
    vectors = await run_in_threadpool(hit_vectors, store, hits) if body.with_vectors else None
    rows = [[SimilarHit(id=h.id, text=h.text, score=h.score, metadata=h.metadata if body.with_metadata else None,
                        vector=vectors[h.id] if vectors else None)
             for h in row if vectors is None or h.id in vectors] for row in hits]
    return SimilarOne(result=rows[0]) if body.one_query() else SimilarMany(results=rows)


def hit_vectors(store, hits) -> dict[str, list[float]]:
    """The stored vector of every hit, by id, in one read."""
    return {item.id: [float(x) for x in item.vector] for item in store.get_many([h.id for row in hits for h in row])}


def nearest_others(store, body: SimilarRequest, knobs: dict[str, int] | None):
    """The hits of a stored item's vector, the item itself left out (404 if it is not stored)."""
    item = store.get(body.id)
    [row] = store.search(np.asarray(item.vector)[None, :], min(body.k + 1, MAX_K), body.filter, body.min_score,
                         knobs)
    return [[hit for hit in row if hit.id != body.id][:body.k]]


def paraphrase_jobs(body: ParaphraseRequest, model: InferenceEngine, state: ServiceState) -> list[ParaphraseJob]:
    """The request's checked jobs: each text tokenized once, its sampling and masks checked once."""
    if body.n > state.settings.max_paraphrase_n:
        raise ServiceError(ErrorKind.INVALID, f"n={body.n} is over the limit of {state.settings.max_paraphrase_n}: "
                           "ask for fewer samples")
    texts, names = body.all_texts(), body.names()
    check_count(len(texts), state.settings.max_client_batch_size)
    ids, cut = tokenize(model.tokenizer, texts, state.max_input_tokens, body.truncate, names)
    try:
        sampling = SamplingParams.of(body)
    except ValueError as exc:
        raise ServiceError(ErrorKind.INVALID, str(exc)) from None
    jobs = []
    for text, seq, was_cut, name in zip(texts, ids, cut, names):
        try:  # a cut text is continued (and compared with its candidates) as what its kept tokens say
            jobs.append(model.paraphrase_job(model.tokenizer.decode(seq) if was_cut else text, seq, n=body.n,
                                             k=body.k, sampling=sampling, max_length=body.max_length,
                                             mask_idxs=body.mask_idxs, seed=body.seed))
        except ValueError as exc:
            raise ServiceError(ErrorKind.INVALID, f"{name}: {exc}") from None
    return jobs


@router.post("/paraphrase", response_model=ParaphraseOne | ParaphraseMany, response_model_exclude_none=True,
             summary="paraphrases of a text or of each text, best first")
async def paraphrase(body: ParaphraseRequest, state: State, model: GeneratorModel, request: Request):
    jobs = await run_in_threadpool(paraphrase_jobs, body, model, state)
    results = await state.run(request, JobKind.PARAPHRASE, jobs, [len(job.source_ids) for job in jobs])
    rows = [[Paraphrase(text=t, score=s, logprob=result.logprobs[t] if body.with_logprob else None)
             for t, s in result.paraphrases] for result in results]
    return ParaphraseOne(result=rows[0]) if body.text is not None else ParaphraseMany(results=rows)
