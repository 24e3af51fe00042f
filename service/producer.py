"""Send recovery tasks to the broker by name: the API never imports the worker or the models."""

from celery import Celery

from dfrec_contract.broker import RECOVER_TASK_NAME, broker_transport_options
from service.config import ServiceSettings

PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}


def create_producer(settings: ServiceSettings) -> Celery:
    """A Celery app used only to publish; it has no tasks and no result backend."""
    producer = Celery("dfrec-api", broker=settings.redis_url, set_as_current=False)
    producer.conf.update(
        broker_transport_options=broker_transport_options(
            settings.redis_key_prefix, settings.redis_timeout_seconds
        ),
        broker_connection_retry_on_startup=False,
        task_default_queue=settings.queue_name,
        task_publish_retry_policy=PUBLISH_RETRY_POLICY,
        task_ignore_result=True,
    )
    return producer


def enqueue_recovery(
    producer: Celery, job_id: str, queue: str, task_name: str = RECOVER_TASK_NAME
) -> None:
    """One task message carrying only the job id (also used as the Celery task id); a video
    job's task is VIDEO_TASK_NAME."""
    producer.send_task(task_name, args=[job_id], task_id=job_id, queue=queue)
