"""The FastAPI application factory. Run with `uvicorn --factory service.app:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.auth import prepare_keys
from service.config import ServiceSettings
from service.error_handlers import install_error_handlers
from service.metrics import ApiMetrics, RequestMetricsMiddleware
from service.request_context import RequestContextMiddleware
from service.routers import admin, evidence, galleries, health, jobs, keys, recover, web
from service.routers.prefix import VERSION_PREFIX
from service.state import ServiceState

DESCRIPTION = (
    "Submit a face image, poll the job (or get a signed callback), fetch the segmentation mask "
    "and the recovered source and target faces. Send an API key as `Authorization: Bearer` or "
    "`X-API-Key`. Errors are `{error: {code, message, request_id}}`; back off on `Retry-After`."
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = ServiceState.open(settings, metrics)
        try:
            app.state.service.development_key = prepare_keys(settings, app.state.service.keys)
        except Exception:
            await app.state.service.close()
            raise
        try:
            yield
        finally:
            await app.state.service.close()

    app = FastAPI(title="dfrec", description=DESCRIPTION, version="1", lifespan=lifespan)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)  # outermost: its id is seen by everything
    install_error_handlers(app)
    for router in (recover.router, jobs.router, evidence.router, admin.router):
        app.include_router(router)
        app.include_router(router, prefix=VERSION_PREFIX)
    app.include_router(health.router)
    app.include_router(keys.router)
    app.include_router(galleries.router)
    app.include_router(web.router)
    app.mount(web.STATIC_PATH, web.static_files(), name="static")
    return app
