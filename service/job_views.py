"""Turn a stored job record into the response body, with links under the caller's prefix."""

import dataclasses
from datetime import UTC, datetime

from dfrec_contract.artifact_files import artifact_file
from dfrec_contract.record import JobRecord
from service.schemas import (
    ArtifactResponse,
    ErrorDetail,
    InputResponse,
    JobResponse,
    ResultResponse,
    WebhookAttemptResponse,
    WebhookResponse,
)


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def job_path(api_prefix: str, job_id: str) -> str:
    return f"{api_prefix}/jobs/{job_id}"


def artifact_path(api_prefix: str, job_id: str, name: str, media_type: str = "image/png") -> str:
    return f"{job_path(api_prefix, job_id)}/artifacts/{artifact_file(name, media_type)}"


def evidence_path(api_prefix: str, job_id: str) -> str:
    return f"{job_path(api_prefix, job_id)}/evidence"


def _links(record: JobRecord, api_prefix: str) -> dict[str, str]:
    links = {"self": job_path(api_prefix, record.id)}
    if record.result is not None:
        links["evidence"] = evidence_path(api_prefix, record.id)
    return links


def webhook_view(record: JobRecord, attempts: list[dict]) -> WebhookResponse | None:
    if not record.callback_url:
        return None
    outcomes = [attempt.get("outcome") for attempt in attempts]
    if "delivered" in outcomes:
        state = "delivered"
    elif outcomes and outcomes[-1] == "gave_up":
        state = "failed"
    else:
        state = "pending"
    return WebhookResponse(
        url=record.callback_url,
        state=state,
        attempts=[WebhookAttemptResponse(**attempt) for attempt in attempts],
    )


def job_response(
    record: JobRecord, api_prefix: str, webhook_attempts: list[dict] | None = None
) -> JobResponse:
    result = None
    if record.result is not None:
        artifacts = {
            name: ArtifactResponse(
                url=artifact_path(api_prefix, record.id, name, facts.media_type),
                **facts.model_dump(),
            )
            for name, facts in record.result.artifacts.items()
        }
        result = ResultResponse(**{**record.result.model_dump(), "artifacts": artifacts})
    return JobResponse(
        id=record.id,
        status=record.status,
        stage=record.stage,
        created_at=_time(record.created_at),
        started_at=_time(record.started_at),
        finished_at=_time(record.finished_at),
        deadline_at=_time(record.deadline_at),
        attempts=record.attempts,
        input=InputResponse(**dataclasses.asdict(record.input)),
        progress=record.progress,
        error=(
            ErrorDetail(**dataclasses.asdict(record.error), request_id=record.request_id)
            if record.error
            else None
        ),
        result=result,
        links=_links(record, api_prefix),
        request_id=record.request_id,
        webhook=webhook_view(record, webhook_attempts or []),
    )
