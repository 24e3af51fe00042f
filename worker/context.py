"""Everything a worker process needs, created once per process, after any fork."""

import functools
import os
import time
from dataclasses import dataclass

from dfrec_contract.jobstore import JobStore
from worker.config import WorkerSettings
from worker.ensemble import EnsembleClient
from worker.lease import MessageLeases
from worker.metrics import WorkerMetrics
from worker.periodic import Periodic


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
    background: tuple[Periodic, ...]
    """Started when the worker is ready: lease renewal and the sweep of overdue jobs."""

    @classmethod
    def create(cls, settings: WorkerSettings, metrics: WorkerMetrics) -> "WorkerContext":
        store = JobStore.connect(settings, settings.redis_timeout_seconds, metrics.count_failure)
        leases = MessageLeases(store.redis, settings.redis_key_prefix)

        def renew_leases() -> None:  # the heartbeat says: alive and reaching Redis
            leases.renew()
            metrics.heartbeat.set_to_current_time()

        return cls(
            settings=settings,
            store=store,
            ensemble=EnsembleClient(
                settings.triton_grpc_url, settings.triton_model, settings.triton_timeout_seconds
            ),
            metrics=metrics,
            leases=leases,
            background=(
                Periodic("message-leases", renew_leases, settings.lease_renew_seconds),
                Periodic(
                    "overdue-sweep",
                    lambda: store.fail_overdue(time.time()),
                    settings.overdue_sweep_seconds,
                ),
            ),
        )


_contexts_by_pid: dict[int, WorkerContext] = {}


def current_context() -> WorkerContext:
    """This process's context; a gRPC channel made before a fork would hang in the child."""
    pid = os.getpid()
    if pid not in _contexts_by_pid:
        _contexts_by_pid[pid] = WorkerContext.create(worker_settings(), worker_metrics())
    return _contexts_by_pid[pid]
