# The API: FastAPI + Celery producer. No torch, no model code (the `service` package, the
# job contract it shares with the worker, `dfrec_contract`, and the galleries, `gallery`: it
# embeds enrolment and search photos with dlib). `python -m gallery.migrate` migrates PostgreSQL.
# Build from the repository root: docker build -f docker/api.Dockerfile -t dfrec-api .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml ./
COPY dfrec_contract ./dfrec_contract
COPY gallery ./gallery
COPY service ./service
RUN pip install ".[api]" \
    && python -c "import importlib.util as u; assert u.find_spec('torch') is None, 'torch leaked in'"

RUN useradd --system --uid 10001 dfrec && mkdir -p /videos && chown dfrec /videos  # the videos volume (docs/videos.md)
USER dfrec

EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"

# One process per container: the Prometheus registry is per process; scale with replicas.
# `python -m service` runs uvicorn on h11 with the limits of ServiceSettings (request header
# size DFREC_MAX_HEADER_BYTES, open connections DFREC_MAX_CONNECTIONS), proxy headers on.
ENV DFREC_HOST=0.0.0.0 DFREC_PORT=8080
CMD ["python", "-m", "service"]
