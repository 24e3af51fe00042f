"""The result of a finished job as the worker stores it: validated when it is built, so a
mismatch fails in the worker that made it, not in `GET /jobs/{id}`. The API adds artifact URLs.

Artifact names (each served as `<name>.png`, built by worker.face_results):
    face{i}_crop, face{i}_mask, face{i}_source, face{i}_target   each processed face i
    face{i}_heatmap                     LRE's heat map of face i (when LRE is deployed)
    mask, source, target                the largest processed face (the single-face API)
    context_target, context_source      the photo with every recovered target / source pasted in
    context_heatmap                     the photo with every face's heat map laid over it (LRE)
"""

from pydantic import BaseModel, ConfigDict, Field

from dfrec_contract.galleries import FaceGalleryMatches
from dfrec_contract.status import JobStatus, NotApplicableReason
from dfrec_contract.video import TrackReport, VideoSummary

EVIDENCE_ARTIFACT = "evidence"
"""Name under which the worker stores a job's signed evidence manifest (JSON) with the artifacts;
served by GET /jobs/{id}/evidence, not listed among the result's images."""


class StoredModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArtifactFacts(StoredModel):
    media_type: str
    sha256: str
    width: int
    height: int


class ModelFacts(StoredModel):
    name: str
    version: str
    version_label: str
    variant: str


class FaceReport(StoredModel):
    index: int = Field(description="0 is the largest face; faces are ordered by box area")
    status: JobStatus = Field(description="succeeded, or not_applicable (see reason)")
    reason: NotApplicableReason | None
    box: list[int] = Field(description="left, top, right, bottom in photo pixels")
    landmarks: list[list[float]] = Field(description="5 points (x, y): eyes' corners, nose")
    detection_score: float
    fake_probability: float | None = Field(None, ge=0.0, le=1.0)
    lre_fake_probability: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="the second detector's (LRE, local reconstruction errors) opinion; null when "
        "LRE is not deployed or the face was not processed",
    )
    artifacts: dict[str, str] = Field(
        description="kind (crop, mask, source, target, and heatmap with LRE) -> name of an entry "
        "of result.artifacts"
    )


class JobResult(StoredModel):
    fake_probability: float | None = Field(
        ge=0.0, le=1.0, description="the most suspicious face's; null when no face was processed"
    )
    reason: NotApplicableReason | None = Field(
        None, description="why the job is not_applicable: no_face or face_too_small"
    )
    faces_detected: int = Field(description="faces found; at most DFREC_MAX_FACES are reported")
    faces: list[FaceReport]
    model: ModelFacts
    artifacts: dict[str, ArtifactFacts] = Field(
        description="by name: face{i}_{crop,mask,source,target} per processed face; mask, "
        "source, target of the largest processed face; context_target and context_source, "
        "the photo with the recovered faces pasted back; with LRE deployed also "
        "face{i}_heatmap (where the face does not rebuild, bright = more) and context_heatmap "
        "(the heat maps laid over the photo)"
    )
    image_size: int = Field(description="side in pixels of the square the model worked on")
    timings_ms: dict[str, float] = Field(description="queue wait, each stage, and total")
    tracks: list[TrackReport] | None = Field(
        None, description="a video job's people (dfrec_contract.video); null for a photo"
    )
    video: VideoSummary | None = Field(None, description="a video job's decoding and batching")
    gallery_matches: list[FaceGalleryMatches] | None = Field(
        None,
        description="with `galleries` on the job: per processed face, the people of those "
        "galleries closest to the raw face, the recovered source and the recovered target",
    )
