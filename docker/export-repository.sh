#!/bin/sh
# The one-shot `exporter` service: CHECKPOINT -> GPU model repository (ONNX + configs) in /models
# (TARGET=cpu: the TorchScript repository of the python backend, for deploy/k8s/overlays/cpu).
# Keeps a repository of the same target that is already there (the shipped weights' or a
# trainer run's export); FORCE_EXPORT=1 replaces it.
# CHECKPOINT (/weights/dfrec-small.pt), MAX_BATCH_SIZE (8),
# LRE_CHECKPOINT (/weights/lre-small.pt: the second detector, served when the file is there)
set -eu
CHECKPOINT=${CHECKPOINT:-/weights/dfrec-small.pt}
LRE_CHECKPOINT=${LRE_CHECKPOINT:-/weights/lre-small.pt}
TARGET=${TARGET:-gpu}
if [ -f "$LRE_CHECKPOINT" ]; then LRE="--lre $LRE_CHECKPOINT"; else LRE="--no-lre"; fi
if [ "${FORCE_EXPORT:-0}" != 1 ] && [ -f /models/export.json ] \
  && grep -q "\"target\": \"$TARGET\"" /models/export.json; then
  echo "keeping the $TARGET model repository in /models (FORCE_EXPORT=1 replaces it):"
  grep -E '"(version_label|checkpoint)"' /models/export.json
  exit 0
fi
# shellcheck disable=SC2086  # $LRE is one or two words on purpose
dfrec export --checkpoint "$CHECKPOINT" --out /models --target "$TARGET" \
  --max-batch-size "${MAX_BATCH_SIZE:-8}" $LRE
