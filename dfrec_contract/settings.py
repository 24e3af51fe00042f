"""Settings the API and the worker share, read by both from the same `DFREC_*` variables.

`SharedSettings` is the one base class: service.config.ServiceSettings and
worker.config.WorkerSettings add their own fields and refusals (`unsafe_values`). In
production (`DFREC_ENV=production`) every dependency address must be given explicitly and must
not point at this machine.
"""

from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dfrec_contract.production import local_address_problems


def variable(field: str) -> str:
    """The environment variable of a settings field."""
    return f"DFREC_{field.upper()}"


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DFREC_", extra="ignore", use_attribute_docstrings=True
    )

    env: Literal["development", "test", "production"] = "development"
    """`production` refuses unsafe values (development keys, loose callback rules, large limits)."""
    redis_url: str = Field(
        "redis://localhost:6379/0", validation_alias=AliasChoices("DFREC_REDIS_URL", "REDIS_URL")
    )
    """The job store and the Celery broker (`REDIS_URL` is read too)."""
    redis_key_prefix: str = Field("dfrec:", min_length=1)
    """Prefix of every job key and of the broker's keys."""
    queue_name: str = Field("recover", min_length=1)
    """The Celery queue the API sends jobs to and the workers consume."""
    job_ttl_seconds: int = Field(24 * 3600, gt=0)
    """How long a finished job (record and artifacts) stays readable."""
    triton_model: str = "dfrec"
    """The ensemble the workers call (model name in the Triton repository)."""
    video_storage_dir: Path = Path("/tmp/dfrec-videos")
    """Where the API stores uploaded videos for the workers (a volume both mount); a video is
    deleted when its job finishes."""
    database_url: str = "postgresql+psycopg://postgres@localhost:5432/postgres"
    """PostgreSQL holding the galleries (store of record; gallery.migrate creates its tables)."""
    database_schema: str = Field("public", pattern=r"^[a-z_][a-z0-9_]*$")
    """Schema of the gallery tables (tests use one schema each)."""

    def dependency_addresses(self) -> dict[str, str]:
        """Field -> address of each dependency this process talks to."""
        return {"redis_url": self.redis_url}

    def unsafe_values(self) -> list[str]:
        """One line per refused value (empty when the settings are safe)."""
        if self.env != "production":
            return []
        addresses = self.dependency_addresses()
        problems = [
            f"{variable(field)} must be set explicitly in production"
            for field in addresses
            if field not in self.model_fields_set
        ]
        return problems + local_address_problems(
            {variable(field): address for field, address in addresses.items()}
        )

    @model_validator(mode="after")
    def refuse_unsafe_values(self) -> Self:
        problems = self.unsafe_values()
        if problems:
            raise ValueError("unsafe settings: " + "; ".join(problems))
        return self
