"""Keep the broker messages this worker holds invisible while it lives, so the visibility
timeout can be short: a dead worker's job is redelivered within seconds, a long job is not.

Kombu's Redis transport indexes every delivered, unacknowledged message in the sorted set
`unacked_index` (under the broker key prefix), scored by delivery time; any worker restores
the ones older than the visibility timeout to the queue. `renew`, called every third of it
(worker.context), re-scores this process's messages (ZADD XX: a message already acknowledged
is not brought back). Tags are registered on `task_received` and dropped after the task ran.
"""

import threading
import time

from redis import Redis

UNACKED_INDEX = "unacked_index"
"""kombu.transport.redis.Channel.unacked_index_key."""


class MessageLeases:
    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self.redis = redis
        self.key = key_prefix + UNACKED_INDEX
        self._tags: dict[str, str] = {}  # delivery tag -> job id
        self._lock = threading.Lock()

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
