"""Bring the gallery tables to the newest migration: `python -m gallery.migrate` (compose runs
it before the API and the workers start; a PostgreSQL advisory lock lets replicas race safely)."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from dfrec_contract.settings import SharedSettings
from gallery.database import gallery_engine

MIGRATION_LOCK = 4_004_001
"""pg_advisory_lock key held while migrating."""


def alembic_config(engine: Engine, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "gallery:migrations")
    config.attributes["engine"] = engine
    config.attributes["schema"] = schema
    return config


def upgrade(settings: SharedSettings) -> None:
    """Create the schema if missing and apply every migration not applied yet."""
    engine = gallery_engine(settings)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                schema = settings.database_schema
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                config = alembic_config(engine, schema)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    finally:
        engine.dispose()


if __name__ == "__main__":
    upgrade(SharedSettings())
