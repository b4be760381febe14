"""create_app(): middleware, routers, error handlers, health endpoints and the embedded worker."""

from __future__ import annotations

import hmac
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from verae import __version__
from verae.admin.router import router as admin_router
from verae.auth.router import router as auth_router
from verae.config import Settings
from verae.export.router import router as export_router
from verae.jobs.router import router as jobs_router
from verae.kit.blobstore import BlobStoreUnavailable, open_blob_store
from verae.kit.db import Database
from verae.kit.deps import Services, limit_request_threads, pool_size_for
from verae.kit.errors import (
    AppError,
    DatabaseUnavailable,
    ErrorBody,
    ErrorDetail,
    InternalError,
    MethodNotAllowed,
    MetricsTokenRequired,
    NotReady,
    PathNotFound,
    StorageUnavailable,
    ValidationFailed,
    error_responses,
)
from verae.kit.headers import SecurityHeadersMiddleware
from verae.observability.context import current_correlation_id
from verae.observability.logging import configure_logging, get_logger
from verae.observability.metrics import BLOB_STORE_ERRORS, MODEL_INFO, database_registry, exposition
from verae.observability.middleware import HEADER, CorrelationMiddleware
from verae.observability.tracing import configure_tracing
from verae.orgs.router import router as orgs_router
from verae.queue.wakeup import Wakeup
from verae.results.router import router as results_router
from verae.risk.router import router as risk_router
from verae.sharing.router import public_router as shared_router
from verae.sharing.router import router as sharing_router
from verae.uploads.ingest import router as ingest_router
from verae.uploads.router import router as uploads_router
from verae.webhooks.admin_router import router as webhooks_admin_router
from verae.webhooks.router import router as webhooks_router

if TYPE_CHECKING:
    from verae.worker import Worker

log = get_logger("verae.app")

# The framework's own HTTP errors, answered with our codes (the two it raises for our routes).
_HTTP_ERRORS: dict[int, type[AppError]] = {404: PathNotFound, 405: MethodNotAllowed}


def _error_response(error: AppError) -> JSONResponse:
    correlation_id = current_correlation_id()
    body = ErrorBody(
        error=ErrorDetail(
            code=error.code, message=error.message, details=error.details, correlation_id=correlation_id
        )
    )
    headers = dict(error.headers)
    if correlation_id:
        headers[HEADER] = correlation_id
    return JSONResponse(body.model_dump(mode="json"), status_code=error.status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, error: AppError) -> JSONResponse:
        return _error_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        known = _HTTP_ERRORS.get(error.status_code)
        if known is None:
            # The framework's other errors are bodies it could not parse (e.g. invalid UTF-8 in JSON):
            # request validation, answered like every other validation error.
            return _error_response(ValidationFailed("The request body could not be parsed."))
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error_response(known(str(error.detail), headers=headers))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        # Echo where and why, never the submitted values (they may be lab results).
        problems = [
            {
                "loc": [str(part) for part in item.get("loc", ())],
                "msg": item.get("msg", ""),
                "type": item.get("type"),
            }
            for item in error.errors()
        ]
        return _error_response(ValidationFailed(details={"errors": problems}))

    @app.exception_handler(DBAPIError)
    async def database_error(_: Request, error: DBAPIError) -> JSONResponse:
        if error.connection_invalidated or _is_connection_problem(error):
            log.warning("database_unavailable", error_type=type(error.orig).__name__)
            return _error_response(DatabaseUnavailable())
        log.exception("database_error")
        return _error_response(InternalError())

    @app.exception_handler(BlobStoreUnavailable)
    async def blob_store_error(_: Request, error: BlobStoreUnavailable) -> JSONResponse:
        log.warning("blob_store_unavailable", error=str(error))
        BLOB_STORE_ERRORS.labels("api").inc()
        return _error_response(StorageUnavailable())

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(error).__name__)
        return _error_response(InternalError())


def _allowed_methods(request: Request) -> list[str]:
    """Every method the path supports. Starlette only names the first route that matched the path, but a
    path such as /api/v1/me has one route per method."""
    return sorted(
        {
            method
            for route in request.app.router.routes
            if isinstance(route, Route) and route.matches(request.scope)[0] == Match.PARTIAL
            for method in route.methods or ()
        }
    )


def _check_metrics_access(settings: Settings, authorization: str) -> None:
    if settings.metrics_token is None:
        if settings.env == "production":
            raise PathNotFound()
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    if not hmac.compare_digest(authorization.encode(), expected):
        raise MetricsTokenRequired()


def _is_connection_problem(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def _start_embedded_worker(services: Services, concurrency: int) -> Worker:
    # Imported here so API-only processes never load the document reader.
    from verae.worker import Worker

    worker = Worker(
        db=services.db,
        blobs=services.blobs,
        settings=services.settings,
        wakeup=services.wakeup,
        concurrency=concurrency,
    )
    worker.start()
    return worker


def _load_model() -> None:
    # Imported here, in the loader thread: numpy and the model code stay out of the process's start.
    from verae.risk import rules
    from verae.risk.service import shipped_model

    try:
        model = shipped_model()
        MODEL_INFO.info({"version": model.version if model is not None else rules.MODEL_VERSION})
    except Exception as error:  # an artifact that does not match the code: predict answers 500
        log.error("risk_model_unusable", error_type=type(error).__name__)


def create_app(
    settings: Settings | None = None, *, embedded_workers: int = 0, web_dir: Path | None = None
) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)
    configure_tracing("verae-api")
    db = Database(settings.database_url, pool_size=pool_size_for(settings, embedded_workers))
    services = Services(settings=settings, db=db, blobs=open_blob_store(settings), wakeup=Wakeup())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The model loads beside start-up, so the process answers at once; a predict request that comes
        # first waits for it.
        threading.Thread(target=_load_model, name="verae-model-loader", daemon=True).start()
        limit_request_threads(settings)
        worker = _start_embedded_worker(services, embedded_workers) if embedded_workers > 0 else None
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            db.dispose()

    app = FastAPI(
        title="Verae API",
        version=__version__,
        description="Explained iron-deficiency risk from blood-test reports.",
        openapi_url="/api/v1/openapi.json",
        # Off in production unless VERAE_API_DOCS=true: the Swagger UI page loads its script from a CDN.
        docs_url="/api/v1/docs" if settings.api_docs_enabled else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    database_metrics = database_registry(db, queue=True)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[HEADER, "Location", "Retry-After", "ETag"],
    )
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, strict_transport_security=settings.env == "production")
    _install_error_handlers(app)
    for router in (
        auth_router,
        uploads_router,
        ingest_router,
        jobs_router,
        results_router,
        risk_router,
        admin_router,
        orgs_router,
        webhooks_router,
        webhooks_admin_router,
        sharing_router,
        shared_router,
        export_router,
    ):
        app.include_router(router)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], responses=error_responses(NotReady))
    def ready() -> JSONResponse:
        """The database and the blob store can be reached."""
        checks: dict[str, str] = {}
        for name, check in (("database", db.ping), ("blob_store", services.blobs.check)):
            try:
                check()
                checks[name] = "ok"
            except Exception as error:
                checks[name] = f"unavailable: {type(error).__name__}"
        if all(value == "ok" for value in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return _error_response(NotReady(details={"checks": checks}))

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        responses=error_responses(MetricsTokenRequired, PathNotFound),
    )
    def metrics(request: Request) -> PlainTextResponse:
        """Prometheus metrics; with VERAE_METRICS_TOKEN set, only for `Authorization: Bearer <token>`
        (in production it is off without one)."""
        _check_metrics_access(settings, request.headers.get("authorization", ""))
        return PlainTextResponse(exposition(database_metrics), media_type=CONTENT_TYPE_LATEST)

    web_dir = web_dir or WEB_DIR
    if (web_dir / "index.html").is_file():
        app.router.routes.append(WebMount("/", app=SinglePageApp(directory=web_dir, html=True), name="web"))
    else:

        @app.get("/", include_in_schema=False, response_class=PlainTextResponse, status_code=404)
        def web_app_not_built() -> PlainTextResponse:
            return PlainTextResponse(WEB_APP_NOT_BUILT, status_code=404)

    return app


WEB_APP_NOT_BUILT = (
    "The Verae API is running, but its web app has not been built, so there is no page to show here.\n"
    "Build it with `make web` (Node.js and npm needed; `make run` builds it too), then restart `verae serve`.\n"
    "The API itself answers under /api/v1 (interactive docs: /api/v1/docs).\n"
)


WEB_DIR = Path(__file__).parent / "web"


class WebMount(Mount):
    """Serves the web app everywhere except the API's own paths, so that an API route called with the
    wrong method still answers 405 with its own Allow header instead of being taken by the static files."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path", "").startswith(API_PATHS):
            return Match.NONE, {}
        return super().matches(scope)


API_PATHS = ("/api/", "/health", "/ready", "/metrics")


class SinglePageApp(StaticFiles):
    """The built web app (`make run` builds web/ into src/verae/web/); unknown paths get index.html so
    client-side routes survive a reload."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as error:
            if error.status_code != 404 or path.startswith("api/"):
                raise
            return await super().get_response("index.html", scope)
