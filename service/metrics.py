"""Prometheus metrics of the API: requests by route and status, submissions (also per tenant),
refusals per tenant and code, authentication failures, queue depth."""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfrec_contract.jobstore import JobStore

UNMATCHED_ROUTE = "unmatched"


class ApiMetrics:
    """Every metric the API exports, in one registry owned by one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.jobs_submitted = Counter(
            "dfrec_jobs_submitted_total", "Jobs accepted (202)", registry=self.registry
        )
        self.jobs_failed = Counter(
            "dfrec_jobs_failed_total",
            "Jobs that ended failed, by error code (the API records jobs it could not enqueue)",
            ["code"],
            registry=self.registry,
        )

        self.tenant_submitted = Counter(
            "dfrec_tenant_jobs_submitted_total",
            "Jobs accepted, by tenant (the tenant's name, never a key)",
            ["tenant"],
            registry=self.registry,
        )
        self.tenant_rejected = Counter(
            "dfrec_tenant_requests_rejected_total",
            "Requests of a known key refused, by tenant and error code (rate_limited, "
            "queue_full, forbidden, idempotency_conflict, invalid input, ...)",
            ["tenant", "code"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "dfrec_auth_failures_total",
            "Requests refused before a tenant was known: unknown or revoked key",
            ["code"],
            registry=self.registry,
        )

    def count_failure(self, code: str) -> None:
        self.jobs_failed.labels(code=code).inc()

    def watch_queue(self, store: JobStore, broker_queue_key: str) -> None:
        self.registry.register(QueueDepthCollector(store, broker_queue_key))


class QueueDepthCollector(Collector):
    """Queue depth read from Redis at scrape time (omitted while Redis is down)."""

    def __init__(self, store: JobStore, broker_queue_key: str) -> None:
        self.store = store
        self.broker_queue_key = broker_queue_key

    def collect(self):
        try:
            queued_jobs = self.store.count_queued(time.time())
            broker_messages = self.store.redis.llen(self.broker_queue_key)
        except RedisError:
            return
        yield GaugeMetricFamily("dfrec_queue_depth", "Jobs queued, not yet started", queued_jobs)
        queue_length = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting in the broker queue", labels=["queue_name"]
        )
        queue_length.add_metric([self.broker_queue_key], broker_messages)
        yield queue_length


class RequestMetricsMiddleware:
    """Counts and times every HTTP request by its route template (not the raw path)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            route = scope.get("route")
            labels = {
                "method": scope["method"],
                "route": getattr(route, "path", UNMATCHED_ROUTE),
                "status": str(status),
            }
            self.metrics.requests.labels(**labels).inc()
            self.metrics.request_duration.labels(**labels).observe(time.perf_counter() - started)
