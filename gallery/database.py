"""The gallery store of one process: the engine and sessions in the configured schema, and this
process's indexes (gallery.index)."""

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from dfrec_contract.settings import SharedSettings
from gallery.index import IndexCache, IndexShape


def gallery_engine(settings: SharedSettings) -> Engine:
    """An engine whose connections use settings.database_schema (pre-pinged: a restarted
    server costs one reconnect, not an error). Connecting waits for the first use."""
    options = f"-csearch_path={settings.database_schema}"
    return create_engine(
        settings.database_url, connect_args={"options": options}, pool_pre_ping=True
    )


@dataclass
class GalleryDatabase:
    engine: Engine
    sessions: sessionmaker[Session]
    indexes: IndexCache

    @classmethod
    def open(cls, settings: SharedSettings) -> "GalleryDatabase":
        engine = gallery_engine(settings)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), IndexCache(IndexShape()))

    def close(self) -> None:
        self.engine.dispose()
