"""Model routes: /encode, /similarity, /similar, /paraphrase. They parse the request, call the
service core (which checks, tokenizes and queues the work once) and shape its answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from simservice.inference.sampler import KNOBS
from simservice.service.model_ops import ParaphraseOptions
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import CallerDep, GeneratorModel, Index, ReadyModel, ServiceDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.openapi import error_responses
from simservice.serving.api.schemas import (NO_PARAPHRASE, EncodeMany, EncodeOne, EncodeRequest, Paraphrase,
                                            ParaphraseMany, ParaphraseOne, ParaphraseRequest, SimilarHit,
                                            SimilarityMany, SimilarityOne, SimilarityRequest, SimilarMany,
                                            SimilarOne, SimilarRequest)
from simservice.service.texts import field_names

router = APIRouter(tags=["model"], route_class=GuardedRoute, dependencies=[Depends(require_api_key)])


@router.post("/encode", response_model=EncodeOne | EncodeMany, summary="sentence vectors of texts")
async def encode(body: EncodeRequest, service: ServiceDep, model: ReadyModel, caller: CallerDep):
    vectors = (await service.embed(body.all_texts(), prompt_name=body.prompt_name, truncate=body.truncate,
                                   normalize=body.normalize, names=body.names(), caller=caller)).vectors
    if body.text is not None:
        return EncodeOne(vector=vectors[0].tolist(), dim=vectors.shape[1])
    return EncodeMany(vectors=vectors.tolist(), dim=vectors.shape[1])


@router.post("/similarity", response_model=SimilarityOne | SimilarityMany,
             summary="cosine of a source text to a target or to each target")
async def similarity(body: SimilarityRequest, service: ServiceDep, model: ReadyModel, caller: CallerDep):
    targets = body.all_targets()
    names = ["source", *(["target"] if body.target is not None else field_names("targets", len(targets)))]
    scores = await service.similarity(body.source, targets, truncate=body.truncate, names=names, caller=caller)
    return SimilarityOne(score=scores[0]) if body.target is not None else SimilarityMany(scores=scores)


@router.post("/similar", response_model=SimilarOne | SimilarMany, response_model_exclude_none=True,
             summary="nearest indexed items to a query or to each query", responses=error_responses(404))
async def similar(body: SimilarRequest, service: ServiceDep, index: Index, model: ReadyModel, caller: CallerDep):
    texts = None if body.vector is not None or body.id is not None else body.all_texts()
    knobs = body.search_params.model_dump(exclude_none=True) if body.search_params else None
    found = await service.similar(body.collection, texts=texts, vector=body.vector, item_id=body.id, k=body.k,
                                  filter=body.filter, min_score=body.min_score, search_params=knobs,
                                  with_vectors=body.with_vectors, truncate=body.truncate,
                                  names=body.names() if texts else None, caller=caller)
    rows = [[SimilarHit(id=f.hit.id, text=f.hit.text, score=f.hit.score, vector=f.vector,
                        metadata=f.hit.metadata if body.with_metadata else None) for f in row] for row in found]
    return SimilarOne(result=rows[0]) if body.one_query() else SimilarMany(results=rows)


@router.post("/paraphrase", response_model=ParaphraseOne | ParaphraseMany, response_model_exclude_none=True,
             summary="paraphrases of a text or of each text, best first")
async def paraphrase(body: ParaphraseRequest, service: ServiceDep, model: GeneratorModel, caller: CallerDep):
    options = ParaphraseOptions(n=body.n, k=body.k, sampler=body.sampler,
                                knobs={name: getattr(body, name) for name in KNOBS}, max_length=body.max_length,
                                mask_idxs=body.mask_idxs, seed=body.seed, truncate=body.truncate)
    results = await service.paraphrase(body.all_texts(), options, names=body.names(), caller=caller)
    rows = [[Paraphrase(text=t, score=s, logprob=result.logprobs[t] if body.with_logprob else None)
             for t, s in result.paraphrases] for result in results]
    notes = [None if row else NO_PARAPHRASE for row in rows]
    if body.text is not None:
        return ParaphraseOne(result=rows[0], note=notes[0])
    return ParaphraseMany(results=rows, notes=notes if any(notes) else None)
