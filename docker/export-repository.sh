#!/bin/sh
# The one-shot `exporter` service: CHECKPOINT -> GPU model repository (ONNX + configs) in /models.
# Keeps a GPU repository that is already there (the shipped weights' or a trainer run's export);
# FORCE_EXPORT=1 replaces it.   CHECKPOINT (/weights/dfrec-small.pt), MAX_BATCH_SIZE (8)
set -eu
CHECKPOINT=${CHECKPOINT:-/weights/dfrec-small.pt}
if [ "${FORCE_EXPORT:-0}" != 1 ] && [ -f /models/export.json ] \
  && grep -q '"target": "gpu"' /models/export.json; then
  echo "keeping the GPU model repository in /models (FORCE_EXPORT=1 replaces it):"
  grep -E '"(version_label|checkpoint)"' /models/export.json
  exit 0
fi
dfrec export --checkpoint "$CHECKPOINT" --out /models --target gpu \
  --max-batch-size "${MAX_BATCH_SIZE:-8}"
