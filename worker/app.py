"""The Celery application of the worker: `celery -A worker.app worker`.

Configuration is read lazily from WorkerSettings when Celery first needs it, not at import.
The pool is solo (see worker.metrics for why); run more worker processes to scale. Every
message this process holds is leased (worker.lease) from receipt until its task has run, and
every worker sweeps the jobs past their deadline (dfrec_contract.jobstore.fail_overdue).
"""

from celery import Celery
from celery.signals import task_postrun, task_received, worker_init, worker_ready

from dfrec_contract.broker import broker_transport_options
from worker.config import WorkerSettings
from worker.context import current_context, worker_metrics, worker_settings


def celery_config(settings: WorkerSettings) -> dict:
    transport_options = broker_transport_options(
        settings.redis_key_prefix, settings.redis_timeout_seconds
    ) | {
        "visibility_timeout": settings.visibility_timeout_seconds,
        "unacked_restore_interval": settings.broker_restore_interval_seconds,
        "unacked_restore_throttle": 1,
    }
    return {
        "broker_url": settings.redis_url,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": settings.queue_name,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "worker_pool": "solo",
        "worker_concurrency": 1,
        "worker_send_task_events": False,
    }


app = Celery("dfrec-worker", include=["worker.tasks"])
app.add_defaults(lambda: celery_config(worker_settings()))


@worker_init.connect
def serve_metrics(sender, **_) -> None:
    settings = worker_settings()
    if settings.metrics_port:
        worker_metrics().serve(settings.metrics_port, settings.metrics_host)


@worker_ready.connect
def start_background(sender, **_) -> None:
    for periodic in current_context().background:
        periodic.start()


@task_received.connect
def lease_message(sender, request, **_) -> None:
    current_context().leases.hold(request.id, request.message.delivery_tag)


@task_postrun.connect
def release_message(sender, task_id, **_) -> None:
    current_context().leases.release(task_id)
