"""The import graph between the project's packages, read from the source: service -> contract
<- worker, client -> contract; the worker never imports the API, and neither the API, the
client nor the contract imports the model package. The worker uses one torch-free module of it
(face alignment, shared with training); its local-run tool also exports and serves models."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dfrec_contract", "service", "worker", "client", "dfrec")
WORKER_MODEL_MODULES = {"dfrec.data.align"}
LOCALRUN_MODEL_MODULES = {
    "dfrec.checkpoint",
    "dfrec.export.repository",
    "dfrec.lre.checkpoint",
    "dfrec.triton.launcher",
}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def arrows(folder: str, skip: str | None = None) -> dict[str, set[str]]:
    """Other project package -> the modules of it that the code under `folder` imports."""
    package = folder.split("/")[0]
    found = defaultdict(set)
    for path in (ROOT / folder).rglob("*.py"):
        if skip and skip in path.relative_to(ROOT).parts:
            continue
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package:
                found[top].add(module)
    return dict(found)


def test_service_and_client_import_only_the_contract() -> None:
    assert set(arrows("service")) == {"dfrec_contract"}
    assert set(arrows("client")) == {"dfrec_contract"}


def test_the_contract_imports_no_other_package() -> None:
    assert arrows("dfrec_contract") == {}


def test_worker_imports_the_contract_and_face_alignment_never_the_api() -> None:
    worker = arrows("worker", skip="localrun")
    assert set(worker) == {"dfrec_contract", "dfrec"}
    assert worker["dfrec"] == WORKER_MODEL_MODULES
    localrun = arrows("worker/localrun")
    assert set(localrun) <= {"dfrec_contract", "dfrec"}
    assert localrun.get("dfrec", set()) <= LOCALRUN_MODEL_MODULES
