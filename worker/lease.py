"""Keep the broker messages this worker holds invisible while it lives, so the visibility
timeout can be short: a dead worker's job is redelivered within seconds, a long job is not.

Kombu's Redis transport indexes every delivered, unacknowledged message in the sorted set
`unacked_index` (under the broker key prefix), scored by delivery time; any worker restores
the ones older than the visibility timeout to the queue. A thread here re-scores this
process's messages every `interval` seconds (ZADD XX: a message already acknowledged is not
brought back). Tags are registered on `task_received` and dropped after the task ran.
"""

import logging
import threading
import time

from redis import Redis, RedisError

logger = logging.getLogger(__name__)

UNACKED_INDEX = "unacked_index"
"""kombu.transport.redis.Channel.unacked_index_key."""


class MessageLeases:
    def __init__(self, redis: Redis, key_prefix: str, interval_seconds: float) -> None:
        self.redis = redis
        self.key = key_prefix + UNACKED_INDEX
        self.interval_seconds = interval_seconds
        self._tags: dict[str, str] = {}  # delivery tag -> job id
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, job_id: str, delivery_tag: str) -> None:
        with self._lock:
            self._tags[delivery_tag] = job_id

    def release(self, job_id: str) -> None:
        with self._lock:
            self._tags = {tag: job for tag, job in self._tags.items() if job != job_id}

    def renew(self) -> None:
        with self._lock:
            tags = list(self._tags)
        if tags:
            now = time.time()
            self.redis.zadd(self.key, dict.fromkeys(tags, now), xx=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.renew()
            except RedisError as error:  # the broker connection will report it too
                logger.warning("could not renew message leases: %r", error)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="message-leases", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
