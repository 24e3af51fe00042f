"""Accept a video upload: probe it within the limits (service.video_probe) and store it in
the video storage the workers read (dfrec_contract.video_storage)."""

import dataclasses
import hashlib

from dfrec_contract.record import InputFacts
from dfrec_contract.video_storage import VideoStorage
from service.config import ServiceSettings
from service.video_probe import probe_video

SUFFIXES = {"MP4": ".mp4", "WebM": ".webm"}


def store_video(data: bytes, job_id: str, settings: ServiceSettings) -> InputFacts:
    """The video's facts once it is stored under the job's id; ApiError when it is refused."""
    video, width, height = probe_video(data, settings)
    storage = VideoStorage(settings.video_storage_dir)
    name = storage.save(job_id, SUFFIXES[video.container], data)
    return InputFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        format=video.container,
        width=width,
        height=height,
        size_bytes=len(data),
        video=dataclasses.replace(video, stored_as=name),
    )
