"""No one-host assumption: Redis, Triton, the API and two workers each on a host of their own
(network namespaces, tests/netns_hosts.py), talking over a bridge, never over 127.0.0.1. One
worker host is cut off while it holds a job; every job still ends, exactly once, and when the
host comes back its late attempt changes nothing. Needs root and iproute2 (skipped otherwise).
"""

import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from netns_hosts import HostTritonServer, Network, netns_unavailable
from service_stack import API_KEY, AUTH, write_signing_key

from dfrec_contract.result import EVIDENCE_ARTIFACT
from worker.localrun.model_repository import random_weights_repository
from worker.localrun.processes import ManagedProcess, wait_until
from worker.localrun.stack import StackSettings, api_process, worker_process

NO_HOSTS = netns_unavailable()
pytestmark = [
    pytest.mark.service,
    pytest.mark.slow,
    pytest.mark.skipif(NO_HOSTS is not None, reason=f"no separate hosts here: {NO_HOSTS}"),
]

HOSTS = ["redis", "triton", "api", "worker-a", "worker-b"]
JOBS = 6
HELD_SECONDS = 15
"""How long worker-a sits on its job (the test hook's stage delay) before finishing it late."""
BROKER = {  # a cut-off worker's message is redelivered within ~5 s
    "DFREC_VISIBILITY_TIMEOUT_SECONDS": "4",
    "DFREC_BROKER_RESTORE_INTERVAL_SECONDS": "1",
    "DFREC_TRITON_TIMEOUT_SECONDS": "3",
    "DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS": "2",
    "DFREC_WEBHOOK_TIMEOUT_SECONDS": "2",
    "DFREC_REDIS_TIMEOUT_SECONDS": "2",
}
FINISHED = ("succeeded", "failed", "not_applicable")


def log_says(process: ManagedProcess, pattern: str) -> bool:
    return re.search(pattern, process.log_tail(400)) is not None


@pytest.fixture
def network() -> Iterator[Network]:
    with Network(HOSTS) as network:
        yield network


def start_all(processes: list[ManagedProcess]) -> None:
    for process in processes:
        process.start()


def test_a_worker_host_cut_off_mid_job_loses_nothing_and_finishes_nothing_twice(
    network: Network, portrait, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    hosts = network.hosts
    redis_host, triton_host, api_host = hosts["redis"], hosts["triton"], hosts["api"]
    # The same cached repository as tests/service_stack.py's Triton (built once per session).
    repository = random_weights_repository("tiny", tmp_path_factory.getbasetemp() / "dfrec-tiny")
    triton = HostTritonServer(triton_host, repository, tmp_path / "triton.log")
    redis = ManagedProcess(
        "redis",
        [*redis_host.prefix, "redis-server", "--bind", redis_host.address, "--port", "6379"]
        + ["--save", "", "--appendonly", "no", "--protected-mode", "no"],
        dict(os.environ),
        tmp_path / "redis.log",
    )
    settings = StackSettings(
        redis_url=f"redis://{redis_host.address}:6379/0",
        triton_http_url=f"http://{triton.http_url}",
        triton_grpc_url=triton.grpc_url,
        api_key=API_KEY,
        extra_env={
            "DFREC_ENV": "test",
            "DFREC_MODEL_REPOSITORY": str(repository),  # shared on purpose (a volume in k8s)
            "DFREC_EVIDENCE_SIGNING_KEY_FILE": str(write_signing_key(tmp_path / "key.pem")),
            **BROKER,
        },
    )
    api = api_host.process(api_process(settings, 8080, tmp_path), DFREC_HOST=api_host.address)
    workers = {
        name: hosts[name].process(
            worker_process(settings, name, 9101, tmp_path),
            DFREC_METRICS_HOST=hosts[name].address,
            DFREC_TEST_STAGE_DELAY_SECONDS=str(HELD_SECONDS if name == "worker-a" else 0),
        )
        for name in ("worker-a", "worker-b")
    }
    url = f"http://{api_host.address}:8080"
    client = httpx.Client(base_url=url, headers=AUTH, trust_env=False, timeout=10)
    try:
        redis.start()
        with triton:
            triton.wait_ready("dfrec", timeout=180)
            start_all([api, *workers.values()])
            wait_until(lambda: ready(client), 180, "the API's /readyz answering 200")
            for worker in workers.values():
                wait_until(lambda w=worker: log_says(w, r"\bready\."), 120, f"{worker.name} ready")
            run_and_cut(network, client, workers, [portrait(i) for i in range(JOBS)])
    finally:
        client.close()
        for process in [api, *workers.values(), redis]:
            process.stop()


def ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def submit(client: httpx.Client, data: bytes) -> str:
    response = client.post("/recover", files={"image": ("face.jpg", data, "image/jpeg")})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def jobs_of(client: httpx.Client, ids: list[str]) -> dict[str, dict]:
    return {job_id: client.get(f"/jobs/{job_id}").json() for job_id in ids}


def artifact_hashes(client: httpx.Client, job: dict) -> dict[str, str]:
    """sha256 of every stored artifact of the job, the evidence manifest included."""
    urls = {name: facts["url"] for name, facts in job["result"]["artifacts"].items()}
    urls[EVIDENCE_ARTIFACT] = f"/jobs/{job['id']}/evidence"
    hashes = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        hashes[name] = hashlib.sha256(response.content).hexdigest()
    return hashes


def succeeded_count(address: str) -> float:
    metrics = httpx.get(f"http://{address}:9101/metrics", trust_env=False).text
    return float(re.search(r"^dfrec_jobs_succeeded_total (\S+)$", metrics, re.M).group(1))


def run_and_cut(network: Network, client: httpx.Client, workers: dict, photos: list[bytes]) -> None:
    worker_a = workers["worker-a"]
    ids = [submit(client, photo) for photo in photos]
    wait_until(lambda: log_says(worker_a, r"Task dfrec\.recover\[[0-9a-f-]+\] received"), 60, "a")
    held = re.search(r"Task dfrec\.recover\[([0-9a-f-]+)\] received", worker_a.log_tail(400))[1]
    wait_until(lambda: client.get(f"/jobs/{held}").json()["stage"] == "infer", 60, "held job")
    network.cut("worker-a")
    cut_at = time.monotonic()

    wait_until(
        lambda: all(j["status"] in FINISHED for j in jobs_of(client, ids).values()),
        90,
        "every job finishing while worker-a is cut off",
    )
    recovered_in = time.monotonic() - cut_at
    jobs = jobs_of(client, ids)
    assert [job["status"] for job in jobs.values()] == ["succeeded"] * JOBS, jobs
    assert {job_id: job["attempts"] for job_id, job in jobs.items()} == {
        job_id: 2 if job_id == held else 1 for job_id in ids
    }
    hashes = {job_id: artifact_hashes(client, job) for job_id, job in jobs.items()}

    network.restore("worker-a")
    wait_until(
        lambda: log_says(worker_a, rf"Task dfrec\.recover\[{held}\] (succeeded|raised|retry)"),
        HELD_SECONDS + 60,
        "worker-a ending its late attempt at the held job",
    )
    assert jobs_of(client, ids) == jobs  # nothing finished twice, no record changed
    assert {job_id: artifact_hashes(client, job) for job_id, job in jobs.items()} == hashes
    for job in jobs.values():
        for name, facts in job["result"]["artifacts"].items():
            assert hashes[job["id"]][name] == facts["sha256"]
    counts = [succeeded_count(network.hosts[name].address) for name in workers]
    assert sum(counts) == JOBS, counts
    print(f"held job finished elsewhere {recovered_in:.1f} s after the cut; per worker {counts}")
