"""deploy/k8s: every overlay renders with `kubectl kustomize`, every object validates (built-in
kinds against the Kubernetes API schemas of kubernetes-validate, strict; KEDA and Prometheus
Operator kinds against tests/k8s_custom_schemas.py), and the rendered stack keeps the
deployment's promises: probes, resources and a restricted security context on every
container, secrets by reference only, the KEDA trigger on the very Redis list Celery fills,
a worker grace period long enough for one job, only workers sending inference to Triton, only
the API and the workers (and KEDA) reaching Redis, and Grafana's files as generated config maps.
No cluster is involved."""

import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from k8s_custom_schemas import CUSTOM_SCHEMAS

from dfrec_contract.broker import broker_queue_key
from worker.config import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("cpu", "gpu")
KUBERNETES_VERSION = "1.32"  # kubectl here and the oldest cluster the docs promise
WORKLOADS = ("Deployment", "StatefulSet", "Job")
SECRET_NAME = re.compile(r"(KEY|PASSWORD|TOKEN|SECRET|CREDENTIALS?)(_FILE)?$")
"""Variables that hold a secret (DFREC_EVIDENCE_KEY, ..._SIGNING_KEY_FILE; not ..._KEY_PREFIX)."""

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl here")


def render(overlay: str) -> list[dict]:
    """`kubectl kustomize deploy/k8s/overlays/<overlay>` as a list of objects."""
    output = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> list[dict]:
    return render(request.param)


def validate(document: dict) -> None:
    """Raise when the object does not match its kind's schema."""
    schema = CUSTOM_SCHEMAS.get((document["apiVersion"], document["kind"]))
    if schema is not None:
        jsonschema.validate(document, schema)
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def named(documents: list[dict], kind: str, name: str) -> dict:
    return next(d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name)


def pod_specs(documents: list[dict]) -> dict[str, dict]:
    return {
        document["metadata"]["name"]: document["spec"]["template"]["spec"]
        for document in documents
        if document["kind"] in WORKLOADS
    }


def test_every_object_validates(rendered) -> None:
    for document in rendered:
        try:
            validate(document)
        except (kubernetes_validate.ValidationError, jsonschema.ValidationError) as error:
            kind, name = document["kind"], document["metadata"]["name"]
            raise AssertionError(f"{kind}/{name}: {error}") from None


def test_a_broken_manifest_fails_validation(rendered) -> None:
    """The validators are not vacuous: a misspelt field fails each kind of check."""
    deployment = named(rendered, "Deployment", "dfrec-api")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)
    scaled = yaml.safe_load(yaml.safe_dump(named(rendered, "ScaledObject", "dfrec-worker")))
    scaled["spec"]["maxReplicas"] = 3
    with pytest.raises(jsonschema.ValidationError):
        validate(scaled)


def test_every_container_has_resources_and_a_restricted_security_context(rendered) -> None:
    for name, spec in pod_specs(rendered).items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{name}/{container['name']}"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert "memory" in resources["limits"], where
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where


def test_every_serving_container_has_probes(rendered) -> None:
    for document in rendered:
        if document["kind"] not in ("Deployment", "StatefulSet"):
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            where = f"{document['metadata']['name']}/{container['name']}"
            assert "readinessProbe" in container and "livenessProbe" in container, where
    api = named(rendered, "Deployment", "dfrec-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"


def secret_mounts(spec: dict, container: dict) -> list[str]:
    """Where the container mounts volumes that are Secrets."""
    secrets = {volume["name"] for volume in spec.get("volumes", []) if "secret" in volume}
    return [m["mountPath"] for m in container.get("volumeMounts", []) if m["name"] in secrets]


def test_no_secret_value_is_written_in_the_manifests(rendered) -> None:
    """Secrets come from Secret objects made outside the manifests: by secretKeyRef, or as
    files (`*_FILE` variables) on a mounted Secret volume."""
    assert not [d for d in rendered if d["kind"] == "Secret"]
    for name, spec in pod_specs(rendered).items():
        for container in spec["containers"] + spec.get("initContainers", []):
            for variable in container.get("env", []):
                where = (name, variable)
                if variable["name"].endswith("_FILE") and SECRET_NAME.search(variable["name"]):
                    mounts = secret_mounts(spec, container)
                    assert any(variable["value"].startswith(m + "/") for m in mounts), where
                elif SECRET_NAME.search(variable["name"]) or variable["name"].endswith("REDIS_URL"):
                    assert "secretKeyRef" in variable.get("valueFrom", {}), where
    shared = next(d for d in rendered if d["metadata"]["name"].startswith("dfrec-shared"))
    assert not [key for key in shared["data"] if SECRET_NAME.search(key) or "REDIS_URL" in key]


def shared_settings(rendered: list[dict], container: dict) -> WorkerSettings:
    """The worker's settings as its pod would read them (secrets stood in for)."""
    shared = next(d for d in rendered if d["metadata"]["name"].startswith("dfrec-shared"))
    plain = {v["name"]: v["value"] for v in container["env"] if "value" in v}
    return WorkerSettings.model_validate(
        {
            key.removeprefix("DFREC_").lower(): value
            for key, value in (shared["data"] | plain).items()
            if key.startswith("DFREC_")
            and key not in ("DFREC_ENV", "DFREC_EVIDENCE_SIGNING_KEY_FILE")
        }
        | {"redis_url": "redis://redis:6379/0"}
    )


def worker_container(rendered: list[dict]) -> dict:
    return named(rendered, "Deployment", "dfrec-worker")["spec"]["template"]["spec"]["containers"][
        0
    ]


def test_keda_scales_on_the_list_celery_fills(rendered) -> None:
    settings = shared_settings(rendered, worker_container(rendered))
    scaled = named(rendered, "ScaledObject", "dfrec-worker")
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    queue = broker_queue_key(settings.redis_key_prefix, settings.queue_name)
    assert trigger["metadata"]["listName"] == queue == "dfrec:recover"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "dfrec-worker"
    assert scaled["spec"]["minReplicaCount"] >= 1  # workers restore dead workers' messages
    auth = named(rendered, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"][0]["name"] == "dfrec-redis"


def test_worker_grace_period_covers_one_attempt(rendered) -> None:
    """SIGTERM lets the job in hand finish: the grace period outlasts one attempt's Triton
    calls, and a pod killed anyway is redelivered after the visibility timeout."""
    worker = named(rendered, "Deployment", "dfrec-worker")["spec"]["template"]["spec"]
    settings = shared_settings(rendered, worker["containers"][0])
    one_attempt = settings.max_faces * settings.triton_timeout_seconds
    assert worker["terminationGracePeriodSeconds"] > one_attempt
    assert settings.visibility_timeout_seconds < worker["terminationGracePeriodSeconds"]


def ingress_sources(rendered: list[dict], policy: str, port: str) -> list[dict]:
    rules = named(rendered, "NetworkPolicy", policy)["spec"]["ingress"]
    return [
        source
        for rule in rules
        if any(p["port"] == port for p in rule["ports"])
        for source in rule["from"]
    ]


def test_network_policies_fence_triton_and_redis(rendered) -> None:
    default = named(rendered, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert default["podSelector"] == {} and "ingress" not in default
    app = "app.kubernetes.io/name"
    triton_grpc = ingress_sources(rendered, "triton", "grpc")
    assert triton_grpc == [{"podSelector": {"matchLabels": {app: "dfrec-worker"}}}]
    redis = ingress_sources(rendered, "redis", "redis")
    pods = {s["podSelector"]["matchLabels"][app] for s in redis if "podSelector" in s}
    namespaces = [s["namespaceSelector"] for s in redis if "namespaceSelector" in s]
    assert pods == {"dfrec-api", "dfrec-worker"}
    assert namespaces == [{"matchLabels": {"kubernetes.io/metadata.name": "keda"}}]


def test_grafana_config_maps_are_generated_from_deploy_grafana(rendered) -> None:
    dashboard = named(rendered, "ConfigMap", "dfrec-grafana-dashboard")
    alerts = named(rendered, "ConfigMap", "dfrec-grafana-alerts")
    grafana = ROOT / "deploy" / "grafana"
    assert dashboard["data"]["dfrec.json"] == (grafana / "dashboards" / "dfrec.json").read_text()
    alert_file = grafana / "provisioning" / "alerting" / "dfrec-alerts.yml"
    assert alerts["data"]["dfrec-alerts.yml"] == alert_file.read_text()
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert alerts["metadata"]["labels"]["grafana_alert"] == "1"


def test_service_monitors_keep_the_job_names_alerts_use(rendered) -> None:
    """Prometheus Operator names the job after the Service: `up{job="triton"}` needs one."""
    services = {d["metadata"]["name"] for d in rendered if d["kind"] == "Service"}
    monitors = [d for d in rendered if d["kind"] == "ServiceMonitor"]
    assert {m["metadata"]["name"] for m in monitors} == {"dfrec-api", "dfrec-worker", "triton"}
    for monitor in monitors:
        selected = monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        assert selected in services


def test_only_the_gpu_overlay_asks_for_gpus() -> None:
    for overlay, wanted in (("cpu", False), ("gpu", True)):
        triton = pod_specs(render(overlay))["triton"]["containers"][0]
        asks = "nvidia.com/gpu" in triton["resources"].get("limits", {})
        assert asks is wanted, overlay
        tensorrt = "--model-config-name=tensorrt" in triton["args"]
        assert tensorrt is wanted, overlay


def init_steps(documents: list[dict], workload: str) -> list[str]:
    return [step["name"] for step in pod_specs(documents)[workload].get("initContainers", [])]


def test_the_repository_is_exported_before_anything_mounts_it() -> None:
    """The Job makes the folder, exports (and on GPUs builds plans) in that order; Triton and
    the workers wait for its `ready` mark before mounting the folder."""
    for overlay, plans in (("cpu", []), ("gpu", ["build-plans"])):
        rendered = render(overlay)
        assert init_steps(rendered, "dfrec-model-repository") == ["prepare", "export", *plans]
        for workload in ("triton", "dfrec-worker"):
            assert init_steps(rendered, workload) == ["wait-for-repository"], workload
