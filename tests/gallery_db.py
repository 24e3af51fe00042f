"""A fresh PostgreSQL schema per test (real server at 127.0.0.1:5432, database `test`), migrated
to the newest gallery tables and dropped afterwards, so parallel runs never collide."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from dfrec_contract.settings import SharedSettings
from gallery.migrate import upgrade

DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def migrated_schema() -> Iterator[str]:
    """The name of a migrated schema of its own, dropped afterwards; skips when PostgreSQL does
    not answer."""
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect():
            pass
    except Exception as error:  # noqa: BLE001
        engine.dispose()
        pytest.skip(f"no PostgreSQL at {DATABASE_URL}: {error}")
    schema = f"galleries_test_{uuid.uuid4().hex[:12]}"
    upgrade(SharedSettings(database_url=DATABASE_URL, database_schema=schema))
    yield schema
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def gallery_schema() -> Iterator[str]:
    with migrated_schema() as schema:
        yield schema
