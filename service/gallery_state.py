"""What the API holds for galleries: the PostgreSQL engine, sessions and this process's indexes.

Enrolment and photo search embed in the API process (gallery.embedding, in the request's
worker thread, under the decode slots): both must answer now (a photo without a face is a 422,
a search returns matches), dlib's HOG + ResNet take about 0.1 s per photo on one core, and
dlib needs no torch; a round trip through the queue would only add latency and a job to poll.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dfrec_contract.settings import SharedSettings
from gallery.database import gallery_engine, session_factory
from gallery.index import IndexCache, IndexShape
from service.errors import ApiError, ErrorCode


def database_unavailable() -> ApiError:
    return ApiError(503, ErrorCode.DATABASE_UNAVAILABLE, "the gallery store is unreachable")


@dataclass
class GalleryState:
    engine: Engine
    sessions: sessionmaker[Session]
    indexes: IndexCache

    @classmethod
    def open(cls, settings: SharedSettings) -> "GalleryState":
        engine = gallery_engine(settings)
        return cls(engine, session_factory(engine), IndexCache(IndexShape()))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction, committed on leaving; database failures -> 503."""
        try:
            with self.sessions.begin() as session:
                yield session
        except (OperationalError, DBAPIError) as error:
            if isinstance(error, OperationalError) or error.connection_invalidated:
                raise database_unavailable() from error
            raise

    def close(self) -> None:
        self.engine.dispose()
