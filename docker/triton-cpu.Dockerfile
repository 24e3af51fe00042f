# Triton for CPU nodes (deploy/k8s/overlays/cpu): the NGC server plus CPU torch for the python
# backend, which runs the `cpu` export (TorchScript model.pt behind dfrec/triton/python_model.py).
# Build: docker build -f docker/triton-cpu.Dockerfile -t dfrec-triton-cpu .
ARG NGC_RELEASE=26.07
FROM nvcr.io/nvidia/tritonserver:${NGC_RELEASE}-py3
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 \
    && python3 -c "import torch; print('torch', torch.__version__)"
USER triton-server
