"""What one API process holds for its lifetime, built at start-up and closed at shutdown."""

import threading
from dataclasses import dataclass, field

import httpx
from celery import Celery
from redis import Redis

from dfrec_contract.apikeys import ApiKeyRecord, KeyStore
from dfrec_contract.broker import broker_queue_key
from dfrec_contract.jobstore import JobStore
from gallery.database import GalleryDatabase
from service.config import ServiceSettings
from service.idempotency import IdempotencyStore
from service.image_budget import DecodeBudget
from service.limits import SubmitLimiter
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
    keys: KeyStore
    limiter: SubmitLimiter
    idempotency: IdempotencyStore
    galleries: GalleryDatabase
    development_key: ApiKeyRecord | None = None
    """Outside production: the development key, checked without Redis (service.auth)."""
    decode_slots: threading.BoundedSemaphore = field(init=False)
    """Uploads decoded at once (settings.max_concurrent_decodes)."""

    def __post_init__(self) -> None:
        self.decode_slots = threading.BoundedSemaphore(self.settings.max_concurrent_decodes)

    @property
    def decode_budget(self) -> DecodeBudget:
        settings = self.settings
        return DecodeBudget(
            max_pixels=settings.max_image_pixels,
            max_frames=settings.max_image_frames,
            max_decode_bytes=settings.max_decode_bytes,
            working_max_side=settings.working_max_side,
        )

    @classmethod
    def open(cls, settings: ServiceSettings, metrics: ApiMetrics) -> "ServiceState":
        store = JobStore.connect(settings, settings.redis_timeout_seconds, metrics.count_failure)
        metrics.watch_queue(store, broker_queue_key(settings.redis_key_prefix, settings.queue_name))
        return cls(
            settings=settings,
            redis=store.redis,
            store=store,
            producer=create_producer(settings),
            triton_http=httpx.AsyncClient(
                base_url=settings.triton_http_url, timeout=settings.readiness_timeout_seconds
            ),
            metrics=metrics,
            keys=KeyStore(store.redis, settings.redis_key_prefix),
            limiter=SubmitLimiter(store.redis, settings.redis_key_prefix),
            idempotency=IdempotencyStore(
                store.redis, settings.redis_key_prefix, settings.idempotency_ttl_seconds
            ),
            galleries=GalleryDatabase.open(settings),
        )

    async def close(self) -> None:
        await self.triton_http.aclose()
        self.producer.close()
        self.redis.close()
        self.galleries.close()
