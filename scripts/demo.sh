#!/usr/bin/env bash
# Set up .venv (if needed) and run the main job in-process, no server: recover the source face,
# the target face and the source mask of each photo's largest face into out/demo/.
#   ./scripts/demo.sh [IMAGE ...]     (default: three photos of ../shared/data/celeba-id)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "$#" -eq 0 ]; then
  data=../shared/data/celeba-id
  if [ ! -d "$data" ]; then
    echo "no images given and $data is absent: ./scripts/demo.sh PHOTO.jpg [...]" >&2
    exit 2
  fi
  set -- $(ls "$data"/*/*.jpg | head -n 3)
fi
.venv/bin/dfrec recover "$@" --out out/demo
echo "wrote out/demo/ (crop, mask, source, target PNGs per photo + scores.json)"
