"""What one API process holds for its lifetime, built at start-up and closed at shutdown."""

from dataclasses import dataclass

import httpx
from celery import Celery
from redis import Redis

from service.config import ServiceSettings
from service.jobstore import JobStore
from service.metrics import ApiMetrics
from service.producer import create_producer


@dataclass
class ServiceState:
    settings: ServiceSettings
    redis: Redis
    store: JobStore
    producer: Celery
    triton_http: httpx.AsyncClient
    metrics: ApiMetrics

    @classmethod
    def open(cls, settings: ServiceSettings, metrics: ApiMetrics) -> "ServiceState":
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
        )
        store = JobStore(redis, settings.redis_key_prefix, settings.job_ttl_seconds)
        metrics.watch_queue(store, broker_queue_key=settings.redis_key_prefix + settings.queue_name)
        return cls(
            settings=settings,
            redis=redis,
            store=store,
            producer=create_producer(settings),
            triton_http=httpx.AsyncClient(
                base_url=settings.triton_http_url, timeout=settings.readiness_timeout_seconds
            ),
            metrics=metrics,
        )

    async def close(self) -> None:
        await self.triton_http.aclose()
        self.producer.close()
        self.redis.close()
