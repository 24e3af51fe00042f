"""`python -m service`: the API under uvicorn, with the server limits from ServiceSettings.

h11 rather than httptools: h11 refuses a request line + headers above DFREC_MAX_HEADER_BYTES
(answering 400), httptools reads headers of any size. DFREC_MAX_CONNECTIONS caps open
connections (503 beyond). Binds DFREC_HOST (127.0.0.1 unless a container sets 0.0.0.0).
Freed image buffers go back to the system (service.memory).
"""

import uvicorn

from service.app import create_app
from service.config import ServiceSettings
from service.memory import return_large_allocations

KEEP_ALIVE_SECONDS = 5
GRACEFUL_SHUTDOWN_SECONDS = 20


def main() -> None:
    settings = ServiceSettings()
    return_large_allocations()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        proxy_headers=True,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
