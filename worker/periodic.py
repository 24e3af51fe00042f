"""A daemon thread that calls one function every so many seconds until stopped."""

import logging
import threading
from collections.abc import Callable

from redis import RedisError

logger = logging.getLogger(__name__)


class Periodic:
    """Calls `action` every `interval_seconds`; a RedisError is logged, and the next call
    tries again."""

    def __init__(self, name: str, action: Callable[[], object], interval_seconds: float) -> None:
        self.name = name
        self.action = action
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.action()
            except RedisError as error:  # the broker connection will report it too
                logger.warning("%s: %r", self.name, error)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
