"""The signed evidence manifest of one job (format and signature: dfrec_contract.evidence).

Fields: format, job_id, status, reason, created_at, service {name, version}, input {sha256,
size_bytes, format, width, height}, faces_detected, faces [per-face report], fake_probability,
model {name, version, version_label, variant, image_size, num_patches, export, files
{path: sha256} or unavailable}, pipeline {parameters and library versions}, artifacts
{file name: sha256, size_bytes, media_type}, timings_ms, signature.
"""

import dataclasses
import json
from datetime import UTC, datetime
from enum import Enum
from importlib.metadata import version
from typing import Any

import cv2
import dlib
import numpy as np
import PIL

from dfrec_contract.evidence import FORMAT
from dfrec_contract.record import JobRecord
from dfrec_contract.status import JobStatus
from worker.config import WorkerSettings
from worker.ensemble import EnsembleInfo
from worker.face_results import FaceOutcome
from worker.faces import FaceSearch
from worker.model_files import model_files_facts
from worker.postprocess import Artifact
from worker.signing import evidence_signer

ARTIFACT_SUFFIX = ".png"


def artifact_entry(artifact: Artifact) -> dict[str, Any]:
    facts = artifact.facts()
    return {
        "sha256": facts["sha256"],
        "size_bytes": len(artifact.data),
        "media_type": facts["media_type"],
    }


def pipeline_parameters(settings: WorkerSettings, info: EnsembleInfo, feather: int) -> dict:
    """Every choice between the uploaded bytes and the artifacts, and what implemented it."""
    return {
        "upload": "API: first frame, converted to 8-bit RGB, box-reduced to the working size, "
        "EXIF orientation applied, stored as PNG",
        "detector": "dlib HOG frontal faces on a copy of at most detect_first_pixels, then "
        "(none found) of at most detect_max_pixels, 5-point landmarks on the photo, largest "
        "first (worker.detection)",
        "detect_first_pixels": settings.detect_first_pixels,
        "detect_max_pixels": settings.detect_max_pixels,
        "alignment": "similarity onto dfrec.data.align.TEMPLATE_5, bilinear, S x S",
        "image_size": info.image_size,
        "max_faces": settings.max_faces,
        "min_face_size": settings.min_face_size,
        "masking_noise": "dfrec_contract.noise, seeded by the SHA-256 of each face's model input",
        "num_patches": info.num_patches,
        "paste_feather_px": feather,
        "png": "Pillow, compress_level 6, no metadata",
        "libraries": {
            "dlib": dlib.__version__,
            "numpy": np.__version__,
            "opencv": cv2.__version__,
            "pillow": PIL.__version__,
        },
    }


def manifest_head(record: JobRecord, status: JobStatus, reason: Enum | None) -> dict[str, Any]:
    """What every manifest opens with: format, job, outcome, time, service and input."""
    return {
        "format": FORMAT,
        "job_id": record.id,
        "status": status.value,
        "reason": reason.value if reason else None,
        "created_at": datetime.now(UTC).isoformat(),
        "service": {"name": "dfrec", "version": version("dfrec")},
        "input": dataclasses.asdict(record.input),
    }


def model_facts(settings: WorkerSettings, info: EnsembleInfo) -> dict[str, Any]:
    """The served model: name, version, sizes and the repository's file hashes."""
    return {
        **info.as_result(),
        "image_size": info.image_size,
        "num_patches": info.num_patches,
        **model_files_facts(settings.model_repository, info.version),
    }


def evidence_manifest(
    record: JobRecord,
    settings: WorkerSettings,
    info: EnsembleInfo,
    search: FaceSearch,
    outcome: FaceOutcome,
    feather: int,
    timings_ms: dict[str, float],
) -> dict[str, Any]:
    """The unsigned manifest of a finished job."""
    return {
        **manifest_head(record, outcome.status, outcome.reason),
        "faces_detected": search.detected_count,
        "faces": outcome.faces,
        "fake_probability": outcome.fake_probability,
        "model": model_facts(settings, info),
        "pipeline": pipeline_parameters(settings, info, feather),
        "artifacts": {
            name + ARTIFACT_SUFFIX: artifact_entry(artifact)
            for name, artifact in sorted(outcome.artifacts.items())
        },
        "timings_ms": timings_ms,
    }


def signed_evidence(manifest: dict[str, Any], settings: WorkerSettings) -> bytes:
    """The manifest signed with the evidence key (worker.signing), as the JSON file served
    to clients."""
    signed = evidence_signer(settings).sign(manifest)
    return json.dumps(signed, indent=2, sort_keys=True).encode("utf-8") + b"\n"
