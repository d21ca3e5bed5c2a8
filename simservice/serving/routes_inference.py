"""Model routes: /encode, /similarity, /similar, /paraphrase. They validate, tokenize, queue, await."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from simservice.inference.paraphrase import ParaphraseJob
from simservice.serving.deps import ReadyModel, State
from simservice.serving.errors import ErrorKind, ServiceError
from simservice.serving.schemas import (EncodeRequest, EncodeResponse, Paraphrase, ParaphraseRequest,
                                        ParaphraseResponse, SimilarHit, SimilarityRequest, SimilarityResponse,
                                        SimilarRequest, SimilarResponse)
from simservice.serving.texts import check_count, field_names, tokenize

router = APIRouter(tags=["model"])


async def encode_texts(state: State, model, request: Request, texts: list[str], truncate: bool,
                       normalize: bool = True, names: list[str] | None = None) -> np.ndarray:
    """Vectors [N, dim] of `texts` through the batching queue (unit rows when `normalize`);
    `names` locate each text in the request for error messages."""
    check_count(len(texts), state.settings.max_client_batch_size)
    ids = tokenize(model.tokenizer, texts, state.max_input_tokens, truncate, names)
    vectors = np.stack(await state.run(request, "encode", ids, [len(seq) for seq in ids]))
    if normalize:
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors


@router.post("/encode", response_model=EncodeResponse, summary="sentence vectors of texts")
async def encode(body: EncodeRequest, state: State, model: ReadyModel, request: Request):
    vectors = await encode_texts(state, model, request, body.texts, body.truncate, body.normalize)
    return EncodeResponse(vectors=vectors.tolist(), dim=vectors.shape[1])


@router.post("/similarity", response_model=SimilarityResponse, summary="cosine of a source text to each target")
async def similarity(body: SimilarityRequest, state: State, model: ReadyModel, request: Request):
    names = ["source", *field_names("targets", len(body.targets))]
    vectors = await encode_texts(state, model, request, [body.source, *body.targets], body.truncate, names=names)
    return SimilarityResponse(scores=(vectors[1:] @ vectors[0]).tolist())


@router.post("/similar", response_model=SimilarResponse, summary="nearest indexed items to each query")
async def similar(body: SimilarRequest, state: State, model: ReadyModel, request: Request):
    store = state.index.get(body.collection)  # 404 before any model work
    vectors = await encode_texts(state, model, request, body.all_texts(), body.truncate, names=body.names())
    hits = await run_in_threadpool(store.search, vectors, body.k, body.filter, body.min_score)
    return SimilarResponse(results=[
        [SimilarHit(id=h.id, text=h.text, score=h.score, metadata=h.metadata) for h in row] for row in hits
    ])


def paraphrase_job(body: ParaphraseRequest, text: str, ids: list[int], max_n: int) -> ParaphraseJob:
    if body.n > max_n:
        raise ServiceError(ErrorKind.INVALID, f"n={body.n} is over the limit of {max_n}: ask for fewer samples")
    for i in body.mask_idxs:
        if not 0 <= i < len(ids):
            raise ServiceError(ErrorKind.INVALID, f"mask_idxs: {i} is outside the {len(ids)} tokens of the input "
                               f"(positions 0 to {len(ids) - 1}, [CLS] is 0)")
    try:
        return ParaphraseJob(text, n=body.n, k=body.k, top_p=body.top_p, top_k=body.top_k,
                             temperature=body.temperature, max_length=body.max_length,
                             mask_idxs=tuple(body.mask_idxs), seed=body.seed)
    except ValueError as exc:
        raise ServiceError(ErrorKind.INVALID, str(exc)) from None


@router.post("/paraphrase", response_model=ParaphraseResponse, summary="paraphrases of texts, best first")
async def paraphrase(body: ParaphraseRequest, state: State, model: ReadyModel, request: Request):
    texts = body.all_texts()
    check_count(len(texts), state.settings.max_client_batch_size)
    ids = tokenize(model.tokenizer, texts, state.max_input_tokens, body.truncate, body.names())
    # The decoder tokenizes the text itself: a truncated text is passed as the text of its kept tokens.
    sources = [model.tokenizer.decode(seq) if body.truncate and model.tokenizer.length(text) > len(seq) else text
               for text, seq in zip(texts, ids)]
    jobs = [paraphrase_job(body, text, seq, state.settings.max_paraphrase_n) for text, seq in zip(sources, ids)]
    for name, seq in zip(body.names(), ids):
        try:
            model.check_generation(len(seq), body.max_length)
        except ValueError as exc:
            raise ServiceError(ErrorKind.INVALID, f"{name}: {exc}") from None
    results = await state.run(request, "paraphrase", jobs, [len(seq) for seq in ids])
    return ParaphraseResponse(results=[[Paraphrase(text=t, score=s) for t, s in row] for row in results])
