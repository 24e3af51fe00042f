"""The API's transactions on the gallery store (gallery.database): database failures -> 503.

Enrolment and photo search embed in the API process (gallery.embedding, in the request's
worker thread, under the decode slots): both must answer now (a photo without a face is a 422,
a search returns matches), dlib's HOG + ResNet took 138 ms (p50) on a 320 x 320 photo here, and
dlib needs no torch; a round trip through the queue would only add latency and a job to poll.
"""

import contextlib
from collections.abc import Iterator

from psycopg.errors import UndefinedTable
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from gallery.database import GalleryDatabase
from service.errors import ApiError, ErrorCode


def database_unavailable() -> ApiError:
    return ApiError(503, ErrorCode.DATABASE_UNAVAILABLE, "the gallery store is unreachable")


@contextlib.contextmanager
def transaction(galleries: GalleryDatabase) -> Iterator[Session]:
    """One transaction, committed on leaving; an unreachable database -> 503."""
    try:
        with galleries.sessions.begin() as session:
            yield session
    except OperationalError as error:  # the server is down or unreachable
        raise database_unavailable() from error
    except ProgrammingError as error:
        if isinstance(error.orig, UndefinedTable):  # never migrated: python -m gallery.migrate
            raise database_unavailable() from error
        raise
