"""create_app(): settings, database, catalog, provider, routers, templates, background sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.catalog.loader import Catalog, load_catalog
from app.config import Settings, get_settings
from app.db import get_engine, upgrade
from app.providers.base import ProviderError
from app.providers.sim.provider import SimProvider
from app.training import service
from app.training.kind_runtime import KindRuntime
from app.web import api, pages, terminal_ws
from app.web import events as events_web
from app.web.errors import training_error_response, validation_error_response
from app.web.fast_exec import ExecFastPath
from app.web.limits import Limiter, LimitsMiddleware
from app.web.observability import RequestContext, configure_logging, new_metrics
from app.web.saturation import Capacity, ConcurrencyCap
from app.web.security import SecurityHeaders
from app.web.templating import templates

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("kubedrill")


async def _sweeper(app: FastAPI) -> None:
    """Ends attempts whose deadline passed, even when no browser is watching."""
    settings: Settings = app.state.settings
    engine = get_engine(settings.database_url)

    def sweep() -> int:
        with Session(engine) as db:
            return service.sweep_expired(db=db, catalog=app.state.catalog)

    kind = app.state.provider if isinstance(app.state.provider, KindRuntime) else None
    while True:
        try:
            await run_in_threadpool(sweep)
        except Exception:  # noqa: BLE001 - the sweeper must outlive a bad row or a locked DB
            log.exception("deadline sweep failed")
        if kind is not None:
            try:  # the kind reaper and warm pool ride on the same beat
                await run_in_threadpool(kind.maintain)
            except Exception:  # noqa: BLE001
                log.exception("kind maintenance failed")
        await asyncio.sleep(settings.sweep_interval_s)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    upgrade(settings.database_url)
    kind = app.state.provider if isinstance(app.state.provider, KindRuntime) else None
    if kind is not None:
        try:  # tools checked, records reconciled, queued attempts resumed
            await run_in_threadpool(kind.start)
        except ProviderError as err:
            log.error("the kind provider cannot start: %s", err)
            raise  # uvicorn: "Application startup failed. Exiting." after our message
    _freeze_what_lives_forever()
    task = asyncio.create_task(_sweeper(app))
    try:
        yield
    finally:
        if kind is not None:
            kind.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


_frozen = False
FULL_COLLECTION_AFTER = 100  # middle-generation collections between two full ones


def _freeze_what_lives_forever() -> None:
    """What the first app of a process loaded (modules, the catalog, templates, key pools)
    lives as long as the process: moved out of the collector's sight, a full collection
    (~0.5 s with 300 live twins) scans only the twins and requests, not these ~130k objects
    again. Once per process: objects frozen later could hide cyclic garbage for good."""
    global _frozen  # noqa: PLW0603 - one process, one freeze
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
        # A full collection walks every live twin (~260 ms with 330 of them, every request
        # in flight waits); by default one runs after every 10 middle-generation ones, which
        # a room joining at once (the heap growing by a twin per join) triggered 7 times in
        # `bench/api.py`. After 100 they are rare; the young generations, whose pauses are
        # short, keep their defaults.
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)


def kind_runtime(settings: Settings, catalog: Catalog) -> KindRuntime:
    """KUBEDRILL_PROVIDER=kind: real clusters made with kind (docs/kind.md)."""
    from app.providers.kind.provider import KindProvider
    from app.providers.kind.tools import Tools

    provider = KindProvider(Tools(kind=settings.kind_bin, docker=settings.docker_bin,
                                  kubectl=settings.kubectl_bin), settings.kind_workdir,
                            internal_kubeconfig=settings.kind_internal_kubeconfig,
                            create_timeout_s=settings.kind_create_timeout_s)
    return KindRuntime(provider, get_engine(settings.database_url), catalog,
                       max_clusters=settings.kind_max_clusters,
                       warm_pool=settings.kind_warm_pool)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.log_format == "json":
        configure_logging()
    app = FastAPI(title="kubedrill", lifespan=lifespan, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings
    catalog = load_catalog(settings.scenarios_dir)
    for err in catalog.errors:
        log.error("scenario not served: %s", err)
    app.state.catalog = catalog
    app.state.provider = (kind_runtime(settings, catalog) if settings.provider == "kind"
                          else SimProvider(settings.live_clusters_cached))

    app.add_middleware(ExecFastPath)  # innermost: inside the limits, before the router
    app.state.limiter = Limiter(settings)
    app.add_middleware(LimitsMiddleware, limiter=app.state.limiter,
                       max_body_bytes=settings.max_body_bytes)
    app.state.capacity = Capacity(settings.max_concurrent_requests)
    app.add_middleware(ConcurrencyCap, limit=settings.max_concurrent_requests,
                       capacity=app.state.capacity)
    app.add_middleware(SecurityHeaders)  # outside the limits, so their answers get headers
    app.state.metrics = new_metrics()
    app.add_middleware(RequestContext, metrics=app.state.metrics)  # outermost: sees it all
    app.include_router(api.router)
    app.include_router(terminal_ws.router)
    app.include_router(events_web.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")

    @app.exception_handler(service.TrainingError)
    async def _training_error(request: Request, exc: service.TrainingError) -> Response:
        if request.url.path.startswith("/api/"):
            return training_error_response(exc)
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return templates.TemplateResponse(request, "pages/error.html",
                                          {"status": exc.status_code, "detail": exc.detail},
                                          status_code=exc.status_code, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        detail = "Page not found." if exc.status_code == 404 else str(exc.detail)
        return templates.TemplateResponse(request, "pages/error.html",
                                          {"status": exc.status_code, "detail": detail},
                                          status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return validation_error_response(exc.errors())

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus text format; counters are this process's, the gauge the database's."""
        query = text("SELECT count(*) FROM attempt WHERE status = 'active'")
        with Session(get_engine(settings.database_url)) as db:
            active = db.exec(query).one()[0]  # type: ignore[call-overload]
        body = app.state.metrics.render({"kubedrill_attempts_active": active})
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Ready when the database answers and at least one scenario is loaded."""
        problems = []
        try:
            with Session(get_engine(settings.database_url)) as db:
                db.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except Exception as err:  # noqa: BLE001 - any failure means not ready
            problems.append(f"database: {err.__class__.__name__}")
        if not len(app.state.catalog):
            problems.append("no scenarios loaded")
        status = 503 if problems else 200
        return JSONResponse({"status": "ok" if not problems else "not ready",
                             "problems": problems, "scenarios": len(app.state.catalog)},
                            status_code=status)

    return app
