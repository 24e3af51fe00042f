"""The API's settings: one object, read from `DFREC_*` environment variables.

Defaults are safe for a local run (Redis and Triton on localhost). With `DFREC_ENV=production`
the object refuses to exist unless the dependency addresses were given explicitly and the
limits are within sane bounds.
"""

from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    max_queued_jobs: int = Field(100, gt=0)
    job_deadline_seconds: int = Field(900, gt=0)
    """Hard deadline from creation: an unfinished job past it is reported `failed`/`timeout`.
    Must exceed the worker's broker visibility timeout plus its retry budget."""
    job_ttl_seconds: int = Field(24 * 3600, gt=0)
    """How long a finished job and its artifacts stay readable."""
    retry_after_seconds: int = Field(1, ge=1)

    @model_validator(mode="after")
    def refuse_unsafe_production_values(self) -> "ServiceSettings":
        if self.env != "production":
            return self
        problems = [
            f"DFREC_{name.upper()} must be set explicitly in production"
            for name in ("redis_url", "triton_http_url")
            if name not in self.model_fields_set
        ]
        if self.max_upload_bytes > MAX_PRODUCTION_UPLOAD_BYTES:
            problems.append(f"DFREC_MAX_UPLOAD_BYTES above {MAX_PRODUCTION_UPLOAD_BYTES}")
        if self.max_image_pixels > MAX_PRODUCTION_IMAGE_PIXELS:
            problems.append(f"DFREC_MAX_IMAGE_PIXELS above {MAX_PRODUCTION_IMAGE_PIXELS}")
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self
