"""The API's settings: one object, read from `DFREC_*` environment variables.

Defaults are safe for a local run (Redis and Triton on localhost). With `DFREC_ENV=production`
the object refuses to exist unless the dependency addresses were given explicitly, point
somewhere other than this machine, the limits are within sane bounds and no development API
key is set (the API also refuses to start without an active API key in Redis: service.auth).
What the worker reads too (Redis, key prefix, queue, TTL, model) is in dfrec_contract.settings.
"""

from pydantic import Field, SecretStr

from dfrec_contract.settings import SharedSettings

MAX_PRODUCTION_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PRODUCTION_IMAGE_PIXELS = 100_000_000


class ServiceSettings(SharedSettings):
    redis_timeout_seconds: float = Field(2.0, gt=0)
    """Socket timeout of each Redis call from the API."""
    triton_http_url: str = "http://localhost:8000"
    """Triton's HTTP address, asked by `/readyz` only."""
    readiness_timeout_seconds: float = Field(2.0, gt=0)
    """Deadline of each dependency check of `/readyz`."""

    max_upload_bytes: int = Field(10 * 1024 * 1024, gt=0)
    """Largest upload, counted while streaming; above it: 413 upload_too_large."""
    max_image_pixels: int = Field(40_000_000, gt=0)
    """Declared width x height (read from the header) above which an upload is refused."""
    max_image_frames: int = Field(64, ge=1)
    """Declared frames (animated PNG / WebP, MPO) above which an upload is refused; only the
    first frame is ever decoded."""
    max_decode_bytes: int = Field(128 * 1024 * 1024, gt=0)
    """Memory the decoded pixels of one upload may take (declared pixels x bytes per pixel of
    the decoder's mode, after JPEG's reduced-size decoding); above it: 413 too_many_pixels."""
    working_max_side: int = Field(2048, ge=64)
    """Longer side of the stored photo: larger uploads are box-downscaled to fit, band by band.
    Face boxes and the in-context pictures are in the stored photo's pixels."""
    max_video_bytes: int = Field(500 * 1024 * 1024, gt=0)
    """Largest video upload (an MP4, WebM or QuickTime file; images keep max_upload_bytes)."""
    max_video_seconds: float = Field(600.0, gt=0)
    """Longest video, by the container's declared duration (checked before decoding)."""
    max_video_side: int = Field(4096, ge=16)
    """Longer side of a video frame (declared in the header) above which it is refused."""
    max_video_pixels: int = Field(4096 * 2160, ge=256)
    """Frame width x height above which a video is refused (4K)."""
    max_video_fps: float = Field(120.0, gt=0)
    """Declared frame rate above which a video is refused (413 frame_rate_too_high)."""
    max_video_streams: int = Field(8, ge=1)
    """Streams of every kind (video, audio, subtitles, data) a container may hold."""
    max_concurrent_decodes: int = Field(2, ge=1)
    """Uploads decoded at once per API process; a request waits up to decode_wait_seconds for
    a slot, then gets 503 busy with Retry-After."""
    decode_wait_seconds: float = Field(2.0, ge=0)
    """How long an upload waits for a decode slot before 503 busy."""
    max_queued_jobs: int = Field(100, gt=0)
    """Jobs waiting in the queue above which a submit gets 429 queue_full."""
    job_deadline_seconds: int = Field(900, gt=0)
    """Hard deadline from creation: the workers' sweep fails an unfinished job past it with
    `timeout`. Must exceed the worker's broker visibility timeout plus its retry budget."""
    retry_after_seconds: int = Field(1, ge=1)
    """The `Retry-After` the API sends with 202, 409, 429 and 503."""

    development_api_key: SecretStr | None = None
    """Outside production: the development key (all scopes, no limits, tenant
    `development_tenant`). Unset: a random one is made and printed at start. Production refuses
    this setting and never accepts a development key; it needs a key made with
    `python -m service.admin keys create`."""
    development_tenant: str = Field("development", min_length=1)
    """Tenant of the development key."""
    idempotency_ttl_seconds: int = Field(24 * 3600, gt=0)
    """How long an Idempotency-Key keeps answering with its first job."""
    idempotency_wait_seconds: float = Field(10.0, gt=0)
    """How long a concurrent retry waits for the first request with its key to create the job."""

    host: str = "127.0.0.1"
    """Where `python -m service` listens (containers set 0.0.0.0)."""
    port: int = Field(8080, ge=0, le=65535)
    """Where `python -m service` listens."""
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    """Largest request line + headers the server reads before answering 400."""
    max_connections: int = Field(256, ge=1)
    """Open connections per API process; beyond it the server answers 503."""

    def dependency_addresses(self) -> dict[str, str]:
        return super().dependency_addresses() | {"triton_http_url": self.triton_http_url}

    def unsafe_values(self) -> list[str]:
        problems = super().unsafe_values()
        if self.env != "production":
            return problems
        if self.max_upload_bytes > MAX_PRODUCTION_UPLOAD_BYTES:
            problems.append(f"DFREC_MAX_UPLOAD_BYTES above {MAX_PRODUCTION_UPLOAD_BYTES}")
        if self.max_image_pixels > MAX_PRODUCTION_IMAGE_PIXELS:
            problems.append(f"DFREC_MAX_IMAGE_PIXELS above {MAX_PRODUCTION_IMAGE_PIXELS}")
        if self.development_api_key is not None:
            problems.append(
                "DFREC_DEVELOPMENT_API_KEY is refused in production; create keys with "
                "`python -m service.admin keys create`"
            )
        return problems
