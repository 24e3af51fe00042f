"""Prometheus metrics of one worker process, served on its own port.

The worker runs Celery's solo pool (one process, one job at a time; scale by running more
worker processes or containers), so a plain registry and `start_http_server` are exact: there
are no forked children whose samples would be lost. Prometheus scrapes every worker.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.jobs_succeeded = Counter(
            "dfrec_jobs_succeeded_total", "Jobs that ended succeeded", registry=self.registry
        )
        self.jobs_failed = Counter(
            "dfrec_jobs_failed_total",
            "Jobs that ended failed, by error code",
            ["code"],
            registry=self.registry,
        )
        self.jobs_not_applicable = Counter(
            "dfrec_jobs_not_applicable_total",
            "Jobs that ended not_applicable (no face to work on), by reason",
            ["reason"],
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "dfrec_job_duration_seconds",
            "End to end: job created (upload accepted) to job finished",
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )
        self.queue_wait = Histogram(
            "dfrec_job_queue_wait_seconds",
            "Job created to first picked up by a worker",
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )
        self.stage_duration = Histogram(
            "dfrec_job_stage_duration_seconds",
            "Time spent in each stage of a job",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.triton_retries = Counter(
            "dfrec_triton_retries_total",
            "Task retries scheduled because Triton was unreachable",
            registry=self.registry,
        )

        self.webhook_attempts = Counter(
            "dfrec_webhook_attempts_total",
            "Callback delivery attempts, by outcome (delivered, retrying, gave_up)",
            ["outcome"],
            registry=self.registry,
        )

        self.heartbeat = Gauge(
            "dfrec_worker_heartbeat_timestamp_seconds",
            "Unix time this worker last renewed its message leases in Redis",
            registry=self.registry,
        )

    def count_failure(self, code: str) -> None:
        self.jobs_failed.labels(code=code).inc()

    def serve(self, port: int, host: str) -> None:
        start_http_server(port, addr=host, registry=self.registry)
