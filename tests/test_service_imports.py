"""The API loads neither torch nor the model package; the worker does not load torch
(inference happens in Triton)."""

import subprocess
import sys

import pytest

CHECK = """
import sys
import {module}
{build}
loaded = [name for name in sys.modules if name.split(".")[0] in {forbidden}]
assert not loaded, sorted(loaded)[:5]
"""


@pytest.mark.parametrize(
    ("module", "build", "forbidden"),
    [
        ("service.app", "service.app.create_app()", "{'torch', 'dfrec'}"),
        ("worker.tasks", "worker.tasks.app.loader.import_default_modules()", "{'torch'}"),
    ],
)
def test_process_imports_stay_light(module: str, build: str, forbidden: str) -> None:
    code = CHECK.format(module=module, build=build, forbidden=forbidden)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
