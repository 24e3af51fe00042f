"""The engine and sessions of the gallery store, in the configured schema."""

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from dfrec_contract.settings import SharedSettings


def gallery_engine(settings: SharedSettings) -> Engine:
    """An engine whose connections use settings.database_schema (pre-pinged: a restarted
    server costs one reconnect, not an error)."""
    options = f"-csearch_path={settings.database_schema}"
    return create_engine(
        settings.database_url, connect_args={"options": options}, pool_pre_ping=True
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
