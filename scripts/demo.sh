#!/usr/bin/env bash
# Set up .venv (if needed) and run the main job in-process, no server: recover the source face,
# the target face and the source mask of each photo's largest face into out/demo/.
#   ./scripts/demo.sh [IMAGE ...]     (default: a photo of ../shared/data/celeba-id and the same
#                                      photo forged with another person's face)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ "$#" -eq 0 ]; then
  data=../shared/data/celeba-id
  if [ ! -d "$data" ]; then
    echo "no images given and $data is absent: ./scripts/demo.sh PHOTO.jpg [...]" >&2
    exit 2
  fi
  # Two photos of two test people (never trained on): the target as it is, and forged with the
  # source's face by `dfrec forge` (its true mask beside it), so the demo shows a recovery.
  source=$(ls "$data"/7208/*.jpg | head -n 1)
  target=$(ls "$data"/7209/*.jpg | head -n 1)
  .venv/bin/dfrec forge "$source" "$target" --kind swap --out out/demo/forged/swap.png
  set -- "$target" out/demo/forged/swap.png
fi
.venv/bin/dfrec recover "$@" --out out/demo
echo "wrote out/demo/ (crop, mask, source, target PNGs per photo + scores.json)"
