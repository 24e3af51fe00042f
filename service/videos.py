"""Accept a video upload: probe it within the limits (service.video_probe) and store it in
the video storage the workers read (dfrec_contract.video_storage)."""

import dataclasses
import hashlib
import logging

from dfrec_contract.record import InputFacts
from dfrec_contract.video_storage import VideoStorage
from service.config import ServiceSettings
from service.errors import ApiError, ErrorCode
from service.video_probe import probe_video

logger = logging.getLogger(__name__)

SUFFIXES = {"MP4": ".mp4", "WebM": ".webm"}


def store_video(data: bytes, job_id: str, settings: ServiceSettings) -> InputFacts:
    """The video's facts once it is stored under the job's id; ApiError when it is refused."""
    video, width, height = probe_video(data, settings)
    storage = VideoStorage(settings.video_storage_dir)
    try:
        name = storage.save(job_id, SUFFIXES[video.container], data)
    except OSError as error:  # full, missing or read-only volume: not the client's fault
        logger.error("video storage %s: %r", settings.video_storage_dir, error)
        raise ApiError(
            503,
            ErrorCode.STORAGE_UNAVAILABLE,
            "the video storage cannot take the upload; retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        ) from error
    return InputFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        format=video.container,
        width=width,
        height=height,
        size_bytes=len(data),
        video=dataclasses.replace(video, stored_as=name),
    )
