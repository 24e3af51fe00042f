#!/bin/sh
# The one-shot `plan-builder` service (NGC TensorRT image of the same release as the Triton
# image, so the plans' TensorRT version is the server's): every model.onnx listed in
# /models/tensorrt_plans.txt -> model.plan, FP16 allowed, batch 1..max from the exporter.
# A plan newer than its ONNX file is kept. Plans are specific to the GPU they were built on.
set -eu
TRTEXEC=$(command -v trtexec || echo /usr/src/tensorrt/bin/trtexec)
while read -r name min_shapes opt_shapes max_shapes; do
  onnx=/models/$name/1/model.onnx
  plan=/models/$name/1/model.plan
  if [ -f "$plan" ] && [ "$plan" -nt "$onnx" ]; then
    echo "$plan is up to date"
    continue
  fi
  "$TRTEXEC" --onnx="$onnx" --saveEngine="$plan.partial" --fp16 \
    --minShapes="$min_shapes" --optShapes="$opt_shapes" --maxShapes="$max_shapes"
  mv "$plan.partial" "$plan"
done < /models/tensorrt_plans.txt
