"""What the API's producer and the worker's consumer agree on about the Celery broker."""

RECOVER_TASK_NAME = "dfrec.recover"
"""The Celery task the API sends by name; its only argument is the job id."""

VIDEO_TASK_NAME = "dfrec.recover_video"
"""The Celery task of a video job (worker.video_pipeline); its only argument is the job id."""

VIDEO_CHUNK_TASK_NAME = "dfrec.video_chunk"
"""The worker's own task for one chunk of a long video: job id, chunk index."""

VIDEO_MERGE_TASK_NAME = "dfrec.video_merge"
"""The worker's own task that merges a video's chunks into its result: job id."""

WEBHOOK_TASK_NAME = "dfrec.webhook"
"""The worker's own task that posts a finished job's callback: job id, attempt, first try's
time (worker.webhooks)."""


def broker_transport_options(key_prefix: str, socket_timeout_seconds: float) -> dict:
    """Redis transport options both sides set (the key prefix must match)."""
    return {
        "global_keyprefix": key_prefix,
        "socket_timeout": socket_timeout_seconds,
        "socket_connect_timeout": socket_timeout_seconds,
    }


def broker_queue_key(key_prefix: str, queue_name: str) -> str:
    """The Redis list that holds the queue's waiting messages."""
    return key_prefix + queue_name
