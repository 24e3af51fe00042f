"""Everything a worker process needs, created once per process, after any fork."""

import functools
import logging
import os
import time
from dataclasses import dataclass

from redis import RedisError

from dfrec_contract.evidence_keys import publish_public_key
from dfrec_contract.jobstore import JobStore
from dfrec_contract.video_storage import VideoStorage
from gallery.database import GalleryDatabase
from worker.config import WorkerSettings
from worker.ensemble import EnsembleClient
from worker.lease import MessageLeases
from worker.metrics import WorkerMetrics
from worker.periodic import Periodic
from worker.signing import evidence_signer
from worker.webhooks import schedule_first_delivery

logger = logging.getLogger(__name__)


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
    galleries: GalleryDatabase
    """Searched for jobs that name galleries (worker.gallery_matches)."""

    @classmethod
    def create(cls, settings: WorkerSettings, metrics: WorkerMetrics) -> "WorkerContext":
        store = JobStore.connect(settings, settings.redis_timeout_seconds, metrics.count_failure)
        leases = MessageLeases(store.redis, settings.redis_key_prefix)
        public_key = evidence_signer(settings).public_key

        def publish_key() -> None:  # for GET /.well-known/dfrec-keys.json (kept if present)
            if public_key is not None:
                publish_public_key(store.redis, settings.redis_key_prefix, public_key)

        def renew_leases() -> None:  # the heartbeat says: alive and reaching Redis
            leases.renew()
            publish_key()
            metrics.heartbeat.set_to_current_time()

        def fail_overdue() -> None:  # a video job past its deadline leaves no stored video
            for job_id in store.fail_overdue(time.time()):
                VideoStorage(settings.video_storage_dir).delete_job(job_id)
                schedule_first_delivery(store, settings, job_id)

        try:
            publish_key()
        except RedisError as error:  # published again with every lease renewal
            logger.warning("could not publish the evidence key yet: %r", error)

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
                Periodic("overdue-sweep", fail_overdue, settings.overdue_sweep_seconds),
            ),
            galleries=GalleryDatabase.open(settings),
        )


_contexts_by_pid: dict[int, WorkerContext] = {}


def current_context() -> WorkerContext:
    """This process's context; a gRPC channel made before a fork would hang in the child."""
    pid = os.getpid()
    if pid not in _contexts_by_pid:
        _contexts_by_pid[pid] = WorkerContext.create(worker_settings(), worker_metrics())
    return _contexts_by_pid[pid]
