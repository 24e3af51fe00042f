#!/bin/sh
# The trainer container's default job: train (torchrun over every visible GPU; resumes if the
# run directory already holds a state), ship a float16 copy, export the GPU model repository.
#   VARIANT (paper), STEPS (20000), BATCH_SIZE (32), GPUS (all visible), DATA (/data/celeba-id)
set -eu
VARIANT=${VARIANT:-paper}
RUN=/checkpoints/${VARIANT}
GPUS=${GPUS:-$(python -c "import torch; print(max(torch.cuda.device_count(), 1))")}
torchrun --standalone --nproc_per_node="$GPUS" -m dfrec.cli train --variant "$VARIANT" \
  --data "${DATA:-/data/celeba-id}" --out "$RUN" --steps "${STEPS:-20000}" \
  --batch-size "${BATCH_SIZE:-32}"
dfrec ship "$RUN/dfrec-$VARIANT.pt" --out "/checkpoints/dfrec-$VARIANT.pt"
# LRE is trained and shipped on its own (dfrec train-lre); a trained DFREC variant is served
# alone here, since an LRE must work at the same image size to join the ensemble.
dfrec export --checkpoint "/checkpoints/dfrec-$VARIANT.pt" --out /models --target gpu --no-lre
