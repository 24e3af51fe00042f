"""The API's settings: one object, read from `DFREC_*` environment variables.

Defaults are safe for a local run (Redis and Triton on localhost). With `DFREC_ENV=production`
the object refuses to exist unless the dependency addresses were given explicitly, point
somewhere other than this machine, and the limits are within sane bounds.
"""

from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.production import local_address_problems

MAX_PRODUCTION_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PRODUCTION_IMAGE_PIXELS = 100_000_000


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DFREC_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    redis_url: str = Field(
        "redis://localhost:6379/0", validation_alias=AliasChoices("DFREC_REDIS_URL", "REDIS_URL")
    )
    redis_key_prefix: str = Field("dfrec:", min_length=1)
    redis_timeout_seconds: float = Field(2.0, gt=0)
    queue_name: str = Field("recover", min_length=1)
    triton_http_url: str = "http://localhost:8000"
    triton_model: str = "dfrec"
    readiness_timeout_seconds: float = Field(2.0, gt=0)

    max_upload_bytes: int = Field(10 * 1024 * 1024, gt=0)
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
    max_concurrent_decodes: int = Field(2, ge=1)
    """Uploads decoded at once per API process; a request waits up to decode_wait_seconds for
    a slot, then gets 503 busy with Retry-After."""
    decode_wait_seconds: float = Field(2.0, ge=0)
    max_queued_jobs: int = Field(100, gt=0)
    job_deadline_seconds: int = Field(900, gt=0)
    """Hard deadline from creation: an unfinished job past it is reported `failed`/`timeout`.
    Must exceed the worker's broker visibility timeout plus its retry budget."""
    job_ttl_seconds: int = Field(24 * 3600, gt=0)
    """How long a finished job and its artifacts stay readable."""
    retry_after_seconds: int = Field(1, ge=1)

    host: str = "127.0.0.1"
    """Where `python -m service` listens (containers set 0.0.0.0)."""
    port: int = Field(8080, ge=0, le=65535)
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    """Largest request line + headers the server reads before answering 400."""
    max_connections: int = Field(256, ge=1)
    """Open connections per API process; beyond it the server answers 503."""

    @model_validator(mode="after")
    def refuse_unsafe_production_values(self) -> "ServiceSettings":
        if self.env != "production":
            return self
        problems = [
            f"DFREC_{name.upper()} must be set explicitly in production"
            for name in ("redis_url", "triton_http_url")
            if name not in self.model_fields_set
        ]
        problems += local_address_problems(
            {"DFREC_REDIS_URL": self.redis_url, "DFREC_TRITON_HTTP_URL": self.triton_http_url}
        )
        if self.max_upload_bytes > MAX_PRODUCTION_UPLOAD_BYTES:
            problems.append(f"DFREC_MAX_UPLOAD_BYTES above {MAX_PRODUCTION_UPLOAD_BYTES}")
        if self.max_image_pixels > MAX_PRODUCTION_IMAGE_PIXELS:
            problems.append(f"DFREC_MAX_IMAGE_PIXELS above {MAX_PRODUCTION_IMAGE_PIXELS}")
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self
