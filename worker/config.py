"""The worker's settings: one object, read from `DFREC_*` environment variables.

What the API reads too (Redis, key prefix, queue, TTL, model) is in dfrec_contract.settings.
With `DFREC_ENV=production` it refuses the test hook, addresses left at their defaults or
pointing at this machine, no Ed25519 signing key (or, with HMAC, a guessable evidence key: by
entropy, the development key above all) or a missing model repository. In every mode it
refuses timings that would make the broker deliver a job twice.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from dfrec_contract.evidence import ALGORITHM as HMAC_SHA256
from dfrec_contract.evidence import DEVELOPMENT_KEY, ED25519, load_signing_key
from dfrec_contract.production import key_problems
from dfrec_contract.settings import SharedSettings
from dfrec_contract.status import JobStage
from worker.detection import DetectionBudget


class WorkerSettings(SharedSettings):
    redis_timeout_seconds: float = Field(5.0, gt=0)
    """Socket timeout of each Redis call from the worker."""

    triton_grpc_url: str = "localhost:8001"
    """Triton's gRPC address (the worker's inference calls)."""
    triton_timeout_seconds: float = Field(10.0, gt=0)
    """Deadline of each call to Triton (the gRPC default is infinite)."""
    triton_max_retries: int = Field(5, ge=0)
    """Retries of a job while Triton is unreachable, then `triton_unavailable`."""
    triton_retry_backoff_seconds: float = Field(2.0, gt=0)
    """First retry delay while Triton is unreachable; doubles each retry up to the max."""
    triton_retry_backoff_max_seconds: float = Field(15.0, gt=0)
    """Longest delay between those retries."""

    visibility_timeout_seconds: int = Field(30, gt=0)
    """Redis broker: an unacknowledged message is delivered again this long after its worker
    last renewed it (worker.lease renews every third of it while the worker lives), so a dead
    worker's job is redelivered within about this long."""
    broker_restore_interval_seconds: int = Field(5, gt=0)
    """How often a worker looks for messages of dead workers past the visibility timeout."""
    overdue_sweep_seconds: float = Field(5.0, gt=0)
    """How often a worker fails the unfinished jobs past their deadline (`timeout`)."""

    detect_first_pixels: int = Field(500_000, ge=10_000)
    """Face detection first searches a copy of the photo of at most this many pixels (on a
    12-megapixel upload, faces above ~10 % of the photo's width are found there)."""
    detect_max_pixels: int = Field(2_000_000, ge=10_000)
    """When the first copy holds no face, detection searches a copy of at most this many
    pixels; the upsampled retry (4x the pixels) only when it stays within the same budget.
    Bounds time per job."""

    @property
    def detection_budget(self) -> DetectionBudget:
        return DetectionBudget(self.detect_first_pixels, self.detect_max_pixels)

    max_faces: int = Field(8, ge=1)
    """Faces processed per photo, largest first; the rest are counted, not processed."""
    min_face_size: int = Field(40, ge=1)
    """Shorter side of the detected face box in photo pixels below which a face is reported
    `not_applicable` / `face_too_small` instead of being processed."""
    video_sample_fps: float = Field(2.0, gt=0, le=60)
    """Frames a second a video job samples (plus the first frame), by presentation time."""
    video_chunk_seconds: float = Field(30.0, ge=0)
    """A longer video is cut into chunks of about this many seconds (whole sampling buckets),
    processed by several workers in parallel and merged; 0: never cut."""
    video_batch_size: int = Field(32, ge=1)
    """Faces of a video collected before they go to Triton (split at the model's max batch)."""
    video_track_min_iou: float = Field(0.2, gt=0, lt=1)
    """Smallest IoU between a track's last box and a new box that continues the track."""
    video_track_max_gap: int = Field(4, ge=0)
    """Sampled frames a track may go unseen and still continue."""
    video_max_tracks: int = Field(8, ge=1)
    """Tracks reported (most frames seen first); the others are counted."""
    video_smoothing_window: int = Field(5, ge=1)
    """Samples in the centred moving mean of a track's timeline."""
    video_verdict_threshold: float = Field(0.5, ge=0, le=1)
    """A track is `fake` when the mean of its most suspicious third of frames reaches this."""
    video_suspicious_frames: int = Field(3, ge=1)
    """Frames listed per track as the most likely forged."""
    paste_feather_fraction: float = Field(0.08, ge=0, lt=0.5)
    """Feathered border of a recovered face pasted back into the photo, as a fraction of S."""
    model_repository: Path | None = None
    """The Triton model repository Triton serves (read-only): the evidence manifest lists the
    SHA-256 of each of its files. Unset: the manifest says the hashes are unavailable."""
    evidence_algorithm: Literal["ed25519", "hmac-sha256"] = ED25519
    """How evidence manifests are signed: Ed25519 (anyone can verify with the published
    public key) or HMAC-SHA256 (the verifier needs evidence_key)."""
    evidence_signing_key_file: Path | None = None
    """Ed25519: PKCS#8 PEM private key (`openssl genpkey -algorithm ed25519 -out key.pem`);
    its public key is published for GET /.well-known/dfrec-keys.json. Unset: the public
    development key (`client verify` refuses its signatures unless told otherwise); production
    refuses that."""
    evidence_key: SecretStr = SecretStr(DEVELOPMENT_KEY)
    """HMAC-SHA256 (evidence_algorithm=hmac-sha256): the shared key. The default is the public
    development key; production refuses it and any guessable key."""

    webhook_timeout_seconds: float = Field(5.0, gt=0)
    """Deadline of one callback delivery (connect + answer); redirects are not followed."""
    webhook_max_attempts: int = Field(8, ge=1)
    """Deliveries tried per callback before it is given up."""
    webhook_backoff_seconds: float = Field(5.0, gt=0)
    """Delay before the second attempt; doubles each attempt up to webhook_backoff_max_seconds."""
    webhook_backoff_max_seconds: float = Field(600.0, gt=0)
    """Longest delay between two callback attempts."""
    webhook_give_up_after_seconds: float = Field(3600.0, gt=0)
    """No attempt starts later than this after the first one."""

    metrics_port: int = Field(9101, ge=0, le=65535)
    """Prometheus endpoint of this worker process; 0 turns it off."""
    metrics_host: str = "127.0.0.1"
    """Where the metrics endpoint listens (containers set 0.0.0.0 for Prometheus)."""

    test_stage_delay_seconds: float = Field(0.0, ge=0)
    """TEST HOOK: sleep this long at the start of `test_delay_stage`, so that tests can kill a
    worker mid-job. Refused in production."""
    test_delay_stage: JobStage = JobStage.INFER
    """TEST HOOK: the stage `test_stage_delay_seconds` delays."""

    def dependency_addresses(self) -> dict[str, str]:
        return super().dependency_addresses() | {"triton_grpc_url": self.triton_grpc_url}

    def unsafe_values(self) -> list[str]:
        problems = super().unsafe_values()
        if self.triton_retry_backoff_max_seconds >= self.visibility_timeout_seconds:
            problems.append(
                "DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS must be below "
                "DFREC_VISIBILITY_TIMEOUT_SECONDS (a waiting retry would be delivered twice)"
            )
        if self.triton_timeout_seconds >= self.visibility_timeout_seconds:
            problems.append(
                "DFREC_TRITON_TIMEOUT_SECONDS must be below DFREC_VISIBILITY_TIMEOUT_SECONDS"
            )
        if self.webhook_timeout_seconds >= self.visibility_timeout_seconds:
            problems.append(
                "DFREC_WEBHOOK_TIMEOUT_SECONDS must be below DFREC_VISIBILITY_TIMEOUT_SECONDS"
            )
        if self.evidence_signing_key_file is not None:
            try:
                load_signing_key(self.evidence_signing_key_file.read_bytes())
            except (OSError, ValueError, TypeError) as error:
                problems.append(
                    f"DFREC_EVIDENCE_SIGNING_KEY_FILE is not a readable Ed25519 PEM key ({error})"
                )
        if self.env == "production":
            if self.test_stage_delay_seconds:
                problems.append("DFREC_TEST_STAGE_DELAY_SECONDS is a test hook")
            if self.evidence_algorithm == HMAC_SHA256:
                key = self.evidence_key.get_secret_value()
                problems += key_problems("DFREC_EVIDENCE_KEY", key, (DEVELOPMENT_KEY,))
            elif self.evidence_signing_key_file is None:
                problems.append(
                    "DFREC_EVIDENCE_SIGNING_KEY_FILE must be set in production (Ed25519 key)"
                )
            if self.model_repository is None:
                problems.append("DFREC_MODEL_REPOSITORY must be set in production (model hashes)")
        return problems

    @property
    def lease_renew_seconds(self) -> float:
        return self.visibility_timeout_seconds / 3

    def webhook_delay_seconds(self, attempts_so_far: int) -> float:
        """Wait before the next callback attempt: exponential, capped."""
        delay = self.webhook_backoff_seconds * 2 ** (attempts_so_far - 1)
        return min(delay, self.webhook_backoff_max_seconds)

    def retry_delay_seconds(self, retries_so_far: int) -> float:
        """Exponential backoff without jitter, capped."""
        delay = self.triton_retry_backoff_seconds * 2**retries_so_far
        return min(delay, self.triton_retry_backoff_max_seconds)
