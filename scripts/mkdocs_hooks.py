"""MkDocs hooks (mkdocs.yml `hooks:`): the reference pages generated from their one source.

- `reference/errors.md`: HTTP error codes from `service.errors.ERRORS`, job error codes from
  `dfrec_contract.errors.JOB_ERRORS`;
- `reference/routes.md`: every route, its scopes and answers, from the app's OpenAPI spec;
- `reference/configuration.md`: every `DFREC_*` setting from the pydantic-settings classes
  (type, default, meaning: the field's docstring);
- `reference/alerts.md`: the alert rules from `deploy/grafana/provisioning/alerting`;
- `{{ results_table }}` in a page: the headline results table (`dfrec.evaluation.headline`),
  the same one the README carries;
- `{{ readme_section: Title }}` in a page: the README's `## Title` section, as it is there.

Nothing here is typed twice: change the code, the page follows on the next build.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from mkdocs.structure.files import File, Files
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
ALERT_RULES = ROOT / "deploy/grafana/provisioning/alerting/dfrec-alerts.yml"
README = ROOT / "README.md"
RESULTS_MARK = "{{ results_table }}"
README_MARK = re.compile(r"\{\{ readme_section: (?P<title>[^}]+?) \}\}")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def errors_page() -> str:
    from dfrec_contract.errors import JOB_ERRORS
    from service.errors import ERRORS

    lines = [
        "# Error codes",
        "",
        'Every error answer is `{"error": {"code", "message", "request_id"}}`. Branch on',
        "`code` (and back off on `Retry-After`), never on `message`. Generated from",
        "`service/errors.py` (`ERRORS`), which also builds each route's documented answers.",
        "",
        "## HTTP errors",
        "",
        "| status | code | when |",
        "|---|---|---|",
    ]
    for code, spec in sorted(ERRORS.items(), key=lambda item: item[1].status):
        lines.append(f"| {spec.status} | `{code.value}` | {_cell(spec.when)} |")
    lines += [
        "",
        "## Job errors",
        "",
        "A `failed` job's `error.code` in `GET /jobs/{id}` (from `dfrec_contract/errors.py`).",
        "",
        "| code | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{code.value}` | {_cell(meaning)} |" for code, meaning in JOB_ERRORS.items()]
    return "\n".join(lines) + "\n"


def routes_page() -> str:
    from service.app import create_app

    spec = create_app().openapi()
    lines = [
        "# Routes",
        "",
        "Every route of the API, from its OpenAPI spec (`GET /openapi.json`; interactive at",
        "`/docs`). Routes under `/v1` answer alike. Keyed routes take `Authorization: Bearer",
        "<key>` or `X-API-Key: <key>`; the error codes are on [Error codes](errors.md).",
        "",
        "| method | path | what | answers |",
        "|---|---|---|---|",
    ]
    for path, operations in spec["paths"].items():
        if path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            answers = ", ".join(sorted(operation["responses"]))
            keyed = " (API key)" if operation.get("security") else ""
            lines.append(
                f"| {method.upper()} | `{path}` | {_cell(operation.get('summary', ''))}{keyed} "
                f"| {answers} |"
            )
    return "\n".join(lines) + "\n"


def _settings_classes() -> list[tuple[str, type[BaseSettings]]]:
    from dfrec_contract.settings import SharedSettings
    from service.config import ServiceSettings
    from worker.config import WorkerSettings

    return [
        ("API and workers", SharedSettings),
        ("API", ServiceSettings),
        ("Workers", WorkerSettings),
    ]


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if hasattr(value, "get_secret_value"):
        return "(secret)"
    if hasattr(value, "value"):
        value = value.value
    return f"`{value!r}`" if value is not None else "unset"


def _type(field: FieldInfo) -> str:
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return " | ".join(f"`{value}`" for value in get_args(annotation))
    name = getattr(annotation, "__name__", None) or str(annotation)
    return name.replace("typing.", "")


def configuration_page() -> str:
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable `DFREC_<NAME>` (generated from the",
        "pydantic-settings classes; a value the production mode refuses stops the process at",
        "start with the reason). Sections: what the API and the workers both read, then each",
        "process's own.",
    ]
    seen: set[str] = set()
    for title, settings in _settings_classes():
        own = {name: field for name, field in settings.model_fields.items() if name not in seen}
        seen |= set(own)
        lines += [
            "",
            f"## {title} (`{settings.__module__}.{settings.__name__}`)",
            "",
            "| variable | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for name, field in own.items():
            lines.append(
                f"| `DFREC_{name.upper()}` | {_cell(_type(field))} | {_cell(_default(field))} "
                f"| {_cell(field.description or '')} |"
            )
    return "\n".join(lines) + "\n"


def alerts_page() -> str:
    rules = yaml.safe_load(ALERT_RULES.read_text())
    lines = [
        "# Alerts",
        "",
        "The Grafana alert rules provisioned beside the dashboard (generated from",
        "`deploy/grafana/provisioning/alerting/dfrec-alerts.yml`; every metric they name is",
        "checked against what the processes export by `tests/test_deploy_monitoring.py`).",
        "",
        "| alert | query | fires when | for | severity | what to do |",
        "|---|---|---|---|---|---|",
    ]
    for group in rules["groups"]:
        for rule in group["rules"]:
            queries = [item["model"] for item in rule["data"]]
            expression = next(model["expr"] for model in queries if "expr" in model)
            evaluator = next(
                model["conditions"][0]["evaluator"]
                for model in queries
                if model.get("type") == "threshold"
            )
            fires = f"{evaluator['type']} {', '.join(str(p) for p in evaluator['params'])}"
            lines.append(
                f"| {_cell(rule['title'])} | `{_cell(expression)}` | {fires} | {rule['for']} "
                f"| {rule['labels']['severity']} | {_cell(rule['annotations']['summary'])} |"
            )
    return "\n".join(lines) + "\n"


GENERATED = {
    "reference/errors.md": errors_page,
    "reference/routes.md": routes_page,
    "reference/configuration.md": configuration_page,
    "reference/alerts.md": alerts_page,
}


def on_files(files: Files, config: Any) -> Files:
    for uri, render in GENERATED.items():
        files.append(File.generated(config, uri, content=render()))
    return files


def readme_section(title: str) -> str:
    """The README's `## title` section, heading included, its links made relative to docs/."""
    text = README.read_text()
    start = text.index(f"\n## {title}\n") + 1
    end = text.find("\n## ", start)
    section = text[start : end if end != -1 else len(text)]
    return re.sub(r"\]\(docs/", "](", section)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if RESULTS_MARK in markdown:
        from dfrec.evaluation.headline import headline_table

        markdown = markdown.replace(RESULTS_MARK, headline_table(ROOT / "docs/eval"))
    return README_MARK.sub(lambda match: readme_section(match["title"]), markdown)
