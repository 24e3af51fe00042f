"""An artifact's file name: its name plus the suffix of its media type. API URLs, evidence
manifests and the client's downloads agree on it (a video job's preview is an MP4)."""

from types import MappingProxyType

SUFFIXES = MappingProxyType({"image/png": ".png", "video/mp4": ".mp4"})


def artifact_file(name: str, media_type: str) -> str:
    return name + SUFFIXES[media_type]
