"""JSON schemas of the custom resources deploy/k8s uses, which kubernetes-validate does not ship:
KEDA's ScaledObject and TriggerAuthentication (keda.sh/v1alpha1, KEDA 2.x) and the Prometheus
Operator's ServiceMonitor (monitoring.coreos.com/v1).

Written here from those projects' API references, for the fields deploy/k8s sets: required
fields and types as the CRDs declare them, and no unknown field (a misspelt key fails). They
are narrower than the CRDs (a field the CRD allows but we never set is refused too): widen
them when a manifest needs more.
"""

from typing import Any


def closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these (optional unless required) properties."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
STRING_MAP = {"type": "object", "additionalProperties": STRING}
METADATA = {"type": "object", "required": ["name"], "properties": {"name": STRING}}
LABEL_SELECTOR = closed({"matchLabels": STRING_MAP})


def resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return closed(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        required=("apiVersion", "kind", "metadata", "spec"),
    )


SCALE_DOWN = closed({"stabilizationWindowSeconds": INTEGER})
SCALED_OBJECT = resource(
    "keda.sh/v1alpha1",
    "ScaledObject",
    closed(
        {
            "scaleTargetRef": closed(
                {"name": STRING, "kind": STRING, "apiVersion": STRING}, required=("name",)
            ),
            "minReplicaCount": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "pollingInterval": INTEGER,
            "cooldownPeriod": INTEGER,
            "advanced": closed(
                {
                    "horizontalPodAutoscalerConfig": closed(
                        {"behavior": closed({"scaleDown": SCALE_DOWN, "scaleUp": SCALE_DOWN})}
                    )
                }
            ),
            "triggers": {
                "type": "array",
                "minItems": 1,
                "items": closed(
                    {
                        "type": STRING,
                        "metadata": STRING_MAP,  # KEDA: every trigger parameter is a string
                        "authenticationRef": closed({"name": STRING}, required=("name",)),
                    },
                    required=("type", "metadata"),
                ),
            },
        },
        required=("scaleTargetRef", "triggers"),
    ),
)

TRIGGER_AUTHENTICATION = resource(
    "keda.sh/v1alpha1",
    "TriggerAuthentication",
    closed(
        {
            "secretTargetRef": {
                "type": "array",
                "items": closed(
                    {"parameter": STRING, "name": STRING, "key": STRING},
                    required=("parameter", "name", "key"),
                ),
            }
        }
    ),
)

SERVICE_MONITOR = resource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    closed(
        {
            "selector": LABEL_SELECTOR,
            "jobLabel": STRING,
            "endpoints": {
                "type": "array",
                "items": closed({"port": STRING, "path": STRING, "interval": STRING}),
            },
        },
        required=("selector", "endpoints"),
    ),
)

CUSTOM_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
}
"""(apiVersion, kind) -> schema; every other kind is checked by kubernetes-validate."""
