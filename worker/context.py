"""Everything a worker process needs, created once per process, after any fork."""

import functools
import os
from dataclasses import dataclass

from redis import Redis

from service.jobstore import JobStore
from worker.config import WorkerSettings
from worker.ensemble import EnsembleClient
from worker.lease import MessageLeases
from worker.metrics import WorkerMetrics


@functools.cache
def worker_settings() -> WorkerSettings:
    return WorkerSettings()


@functools.cache
def worker_metrics() -> WorkerMetrics:
    return WorkerMetrics()


@dataclass
class WorkerContext:
    settings: WorkerSettings
    store: JobStore
    ensemble: EnsembleClient
    metrics: WorkerMetrics
    leases: MessageLeases

    @classmethod
    def create(cls, settings: WorkerSettings, metrics: WorkerMetrics) -> "WorkerContext":
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
        )
        return cls(
            settings=settings,
            store=JobStore(redis, settings.redis_key_prefix, settings.job_ttl_seconds),
            ensemble=EnsembleClient(
                settings.triton_grpc_url, settings.triton_model, settings.triton_timeout_seconds
            ),
            metrics=metrics,
            leases=MessageLeases(redis, settings.redis_key_prefix, settings.lease_renew_seconds),
        )


_contexts_by_pid: dict[int, WorkerContext] = {}


def current_context() -> WorkerContext:
    """This process's context; a gRPC channel made before a fork would hang in the child."""
    pid = os.getpid()
    if pid not in _contexts_by_pid:
        _contexts_by_pid[pid] = WorkerContext.create(worker_settings(), worker_metrics())
    return _contexts_by_pid[pid]
