"""deploy/: the dashboard, the alert rules and the scrape config parse, and every metric they
query is one the API, the worker or Triton exports (names from the prometheus_client
definitions themselves, so a renamed metric breaks this test rather than a panel)."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from service.metrics import ApiMetrics
from worker.metrics import WorkerMetrics

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "dfrec.json"
ALERTS = DEPLOY / "grafana" / "provisioning" / "alerting" / "dfrec-alerts.yml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yml"
ALERT_TOPICS = ("queue_depth", "jobs_failed", "job_duration", "triton", "heartbeat")

# Triton's own metrics (server docs, "Metrics") that the dashboard and alerts use.
TRITON_METRICS = {
    "nv_inference_request_success",
    "nv_inference_request_failure",
    "nv_inference_count",
    "nv_inference_exec_count",
    "nv_inference_queue_duration_us",
    "nv_inference_compute_infer_duration_us",
    "nv_inference_pending_request_count",
}
PROMETHEUS_METRICS = {"up"}  # written by Prometheus for every scrape target
METRIC_NAME = re.compile(r"\b(?:dfrec_|http_|celery_|nv_)[a-z0-9_]+|\bup\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}


def sample_names(registry) -> set[str]:
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
    return names


def exported_metrics() -> set[str]:
    api = ApiMetrics()
    empty_store = SimpleNamespace(
        count_queued=lambda now: 0, redis=SimpleNamespace(llen=lambda key: 0)
    )
    api.watch_queue(empty_store, "recover")
    return (
        sample_names(api.registry)
        | sample_names(WorkerMetrics().registry)
        | TRITON_METRICS
        | PROMETHEUS_METRICS
    )


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def alert_query(rule: dict) -> str:
    return next(query["model"]["expr"] for query in rule["data"] if "expr" in query["model"])


def test_dashboard_queries_only_exported_metrics() -> None:
    queries = dashboard_queries()
    assert queries
    exported = exported_metrics()
    for query in queries:
        assert set(METRIC_NAME.findall(query)) <= exported, query


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["uid"])
def test_alert_rule_is_complete_and_queries_exported_metrics(rule: dict) -> None:
    query = alert_query(rule)
    names = set(METRIC_NAME.findall(query))
    assert names and names <= exported_metrics(), query
    ref_ids = {step["refId"] for step in rule["data"]}
    assert rule["condition"] in ref_ids
    assert rule["labels"]["severity"] in {"warning", "critical"} and rule["annotations"]["summary"]


def test_alerts_cover_the_five_failure_modes() -> None:
    queries = " ".join(alert_query(rule) for rule in alert_rules())
    for topic in ALERT_TOPICS:
        assert topic in queries, topic


def test_alerted_scrape_jobs_exist() -> None:
    jobs = {job["job_name"] for job in yaml.safe_load(SCRAPE.read_text())["scrape_configs"]}
    queries = " ".join(alert_query(rule) for rule in alert_rules()) + " ".join(dashboard_queries())
    assert set(re.findall(r'job="([^"]+)"', queries)) <= jobs
