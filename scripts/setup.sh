#!/usr/bin/env bash
# Create .venv and install the project with every extra (idempotent; ~2 minutes on a fresh
# machine: torch 2.14.1 + torchvision 0.29.1 come from this machine's local wheel store).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[api,models,train,dev]"
.venv/bin/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
# Debian's chromium + chromedriver for the moderator page's browser test (skipped without them).
if ! { command -v chromium && command -v chromedriver; } >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -q && apt-get install -y -q chromium chromium-driver \
    || echo "setup: could not install chromium; the browser test will be skipped" >&2
fi
echo "setup done: .venv ready"
