"""The documentation stays true: the site builds in strict mode (a broken link, a missing page or
a page left out of the navigation fails), its generated reference pages hold every error code
and every setting the code has, the README's results table is what the results files say, and
every script left in bench/ still starts.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dfrec.evaluation.headline import BEGIN, END, headline_table
from dfrec_contract.errors import JobErrorCode
from service.config import ServiceSettings
from service.errors import ErrorCode
from worker.config import WorkerSettings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 250
BENCHMARKS = {
    "capacity.py",
    "gallery_accuracy.py",
    "gallery_calibrate.py",
    "gallery_latency.py",
    "hostile.py",
    "load.py",
    "models.py",
    "pristine_false_alarms.py",
    "train_step.py",
    "video.py",
    "worker_stages.py",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return out


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text()


def test_the_site_builds_strictly_with_a_page_per_reader(site: Path) -> None:
    home = page(site, ".")
    for reader in ("Platform integrators", "Operators", "Researchers"):
        assert reader in home
    assert "real tools" in home and "<table>" in home  # the generated results table


def test_the_error_page_lists_every_code_the_code_has(site: Path) -> None:
    errors = page(site, "reference/errors")
    for code in [*ErrorCode, *JobErrorCode]:
        assert f"<code>{code.value}</code>" in errors


def test_the_configuration_page_lists_every_setting(site: Path) -> None:
    configuration = page(site, "reference/configuration")
    names = set(ServiceSettings.model_fields) | set(WorkerSettings.model_fields)
    for name in names:
        assert f"DFREC_{name.upper()}" in configuration


def test_the_routes_and_alerts_pages_are_generated(site: Path) -> None:
    routes = page(site, "reference/routes")
    assert "<code>/recover</code>" in routes and "<code>/jobs/{job_id}/evidence</code>" in routes
    assert "Job queue is deep" in page(site, "reference/alerts")


def test_the_readme_is_short_and_its_results_table_is_what_the_files_say() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES
    block = readme[readme.index(BEGIN) + len(BEGIN) : readme.index(END)]
    assert block == "\n" + headline_table(), (
        "the README's results table differs from docs/eval/: "
        "python -m dfrec.evaluation.headline --write README.md"
    )


def test_the_results_table_refuses_a_file_of_another_checkpoint(tmp_path: Path) -> None:
    import json
    import shutil

    from dfrec.evaluation.headline import SOURCES

    for name in SOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "docs" / "eval" / name, tmp_path / name)
    assert headline_table(tmp_path) == headline_table()
    stale = json.loads((tmp_path / "wild" / "video-frames.json").read_text())
    stale["checkpoint_version"] = "small-000000000000"
    (tmp_path / "wild" / "video-frames.json").write_text(json.dumps(stale))
    with pytest.raises(ValueError, match="video-frames.json"):
        headline_table(tmp_path)


def test_bench_holds_only_the_maintained_benchmarks_and_each_starts() -> None:
    scripts = {path.name for path in (ROOT / "bench").glob("*.py")}
    assert scripts == BENCHMARKS
    for script in sorted(scripts):
        run = subprocess.run(
            [sys.executable, f"bench/{script}", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0 and "usage" in run.stdout, (script, run.stderr[-2000:])
