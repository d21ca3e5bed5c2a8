"""Background jobs: POST /jobs/augment starts one (an upload with background=true another), GET
/jobs/{id} reports it, GET /jobs/{id}/result downloads an augmentation's JSONL, DELETE /jobs/{id}
cancels it."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from simservice.augment.filters import Filters
from simservice.augment.generators import Sampling
from simservice.inference.sampler import KNOBS
from simservice.serving.api.auth import require_api_key
from simservice.serving.api.deps import GeneratorModel, ServiceDep
from simservice.serving.api.guarded_route import GuardedRoute
from simservice.serving.api.job_schemas import AugmentRequest, JobStatus, job_status
from simservice.serving.api.openapi import error_responses

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=GuardedRoute, dependencies=[Depends(require_api_key)])


@router.post("/augment", response_model=JobStatus, status_code=202,
             summary="paraphrase every row of a dataset in the background (live requests go first)")
async def start_augment(body: AugmentRequest, service: ServiceDep, model: GeneratorModel):
    filters = Filters(body.min_score, body.max_score, body.min_edit, body.min_length_ratio, body.max_length_ratio,
                      body.dedupe)
    knobs = {name: getattr(body, name) for name in ("sampler", *KNOBS) if name != "top_p"}
    sampling = Sampling(body.n, body.top_p, body.max_length, body.mask_fraction, body.seed, knobs)
    job = await service.start_augment(body.rows, sampling=sampling, filters=filters, k=body.k,
                                      text_key=body.text_key, truncate=body.truncate)
    return job_status(job)


@router.get("/{job_id}", response_model=JobStatus, summary="a job's progress")
async def get_job(job_id: str, service: ServiceDep):
    return job_status(await service.get_job(job_id))


@router.get("/{job_id}/result", summary="a finished job's paraphrases as JSON lines (the row's keys, the "
                                         "paraphrase under text_key, source_row and score)",
            response_class=FileResponse, responses=error_responses(409))
async def job_result(job_id: str, service: ServiceDep):
    path = await service.job_result(job_id)
    return FileResponse(path, media_type="application/x-ndjson", filename=f"augment-{job_id}.jsonl")


@router.delete("/{job_id}", response_model=JobStatus,
               summary="cancel a job (an augmentation's queued work is dropped; an upload stops after the chunk "
                       "being written, its rows so far stored)")
async def cancel_job(job_id: str, service: ServiceDep):
    return job_status(await service.cancel_job(job_id))
