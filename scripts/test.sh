#!/usr/bin/env bash
# The test command: sets up .venv if needed, then runs the whole suite (unit, integration
# against the real Redis / Celery / bundled Triton, browser). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
