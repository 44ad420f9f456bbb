"""The HTTP API (FastAPI) and the manager dashboard, served together by ``callintel serve``.

Every API error is a JSON body ``{"error", "message", "path"}`` with a 4xx status: our CallintelErrors by their
``http_status``, request validation as 422, unknown routes as 404. Every route but /api/health needs a token.
Under /dashboard the same errors are an HTML page with that status, and a missing login redirects to the form.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    dashboard,
    dashboard_portfolio,
    dashboard_tasks,
    routes_accounts,
    routes_alerts,
    routes_customers,
    routes_ingest,
    routes_interactions,
    routes_portfolio,
    routes_tasks,
    routes_webhooks,
    security,
)
from api.freshness import ReportFreshness
from api.limits import BodyLimits
from api.ratelimit import RateLimit
from api.report_warmup import Warmup
from api.schemas import ErrorBody
from api.service import Callintel
from api.uploads import sweep_orphans
from models import interactions_repo
from models.errors import CallintelError, StoreError
from models.settings import Settings, get_settings
from models.store import Store

if TYPE_CHECKING:
    from api.serving import WorkerStatus

__all__ = ["create_app"]

logger = logging.getLogger("callintel.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 415, 422, 429)
}


def _error(
    request: Request, status: int, error: str, message: str, path: str | None = None
) -> Response:
    if not request.url.path.startswith("/dashboard"):
        return JSONResponse(
            ErrorBody(error=error, message=message, path=path).model_dump(), status_code=status
        )
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"{request.app.url_path_for('login_form')}?{urlencode({'next': target})}",
            status_code=303,
        )
    return dashboard.templates.TemplateResponse(
        request,
        "error.html",
        {"token": None, "status": status, "error": error, "message": message, "path": path},
        status_code=status,
    )


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def _store_answers(store: Store) -> None:
    """/api/health's read: the newest interaction's time, the last entry of an index, so a health check costs
    a fraction of a millisecond (not ``Store.latest_event_time``, whose usage maximum reads an index as large as
    the usage table: 90 ms at 1,000 customers). An unreachable store is a StoreError (503), as before."""
    with store.transaction() as session:
        interactions_repo.latest_interaction_time(session)


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    workers: WorkerStatus | None = None,
    warm: bool = False,
) -> FastAPI:
    """The app; ``warm``: compute the default book-wide reports in the background at start (``serve``'s web
    processes, api/report_warmup.py), which ``/api/health`` then reports on."""
    settings = settings or get_settings()
    warmup: Warmup | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        callintel = Callintel(settings, store)  # the one facade every route and page drives
        app.state.callintel, app.state.settings = callintel, settings
        sweep_orphans(settings.upload_dir, callintel.store)  # what killed uploads left
        nonlocal warmup
        if warm and settings.report_cache > 0:
            warmup = Warmup(callintel)
            warmup.start()
        app.state.warmup = warmup
        yield
        if warmup is not None:
            warmup.stop()
        callintel.close()  # a store handed in stays open: its owner closes it

    app = FastAPI(
        title="callintel",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERRORS,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,  # api/security.py serves /openapi.json to token holders; no docs pages (CDN assets)
        description="Conversation intelligence for sales teams: interactions, flags, summaries, customer risk.",
    )
    app.add_middleware(
        ReportFreshness
    )  # the reports' Cache-Control: no-cache, Age (api/freshness.py)
    app.add_middleware(
        BodyLimits, settings=settings
    )  # the token and the size, before any body is read
    app.add_middleware(
        RateLimit, settings=settings
    )  # requests over CALLINTEL_RATE_LIMIT go no further
    security.protect(
        app, settings
    )  # trusted hosts, security headers (outermost), /openapi.json for token holders

    @app.exception_handler(CallintelError)
    async def _callintel(request: Request, exc: CallintelError) -> Response:
        if isinstance(exc, StoreError):
            logger.error(
                "%s %s: %s", request.method, request.url.path, exc
            )  # the body says less (no URL)
        return _error(request, exc.http_status, type(exc).__name__, *exc.public())

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, "ValidationError", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, "HTTPError", str(exc.detail))

    @app.get(
        "/api/health",
        tags=["meta"],
        summary="Liveness: the API is up, its store answers; serve's workers",
    )
    def health_check() -> dict[str, Any]:
        _store_answers(app.state.callintel.store)
        reports = {} if warmup is None else {"reports": warmup.status()}
        if workers is None:
            return {"status": "ok", **reports}
        status = workers.status()
        return {
            "status": "ok" if status["running"] == status["expected"] else "degraded",
            "workers": status,
            **reports,
        }

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/", status_code=307)

    for module in (
        routes_interactions,
        routes_customers,
        routes_accounts,
        routes_alerts,
        routes_ingest,
        routes_webhooks,
        routes_portfolio,  # C: the portfolio and the RFM segments
        dashboard,
        dashboard_portfolio,  # C: the Portfolio and Segments pages
    ):
        app.include_router(module.router)
    # D: contact frequency (api/routes_contacts.py) and its dashboard page (api/dashboard_contacts.py)
    from api import dashboard_contacts, routes_contacts

    app.include_router(routes_contacts.router)
    app.include_router(dashboard_contacts.router)
    # E: follow-up tasks (the API and the dashboard's Tasks page)
    app.include_router(routes_tasks.router)
    app.include_router(dashboard_tasks.router)
    app.mount(
        "/dashboard/static", StaticFiles(packages=[("api", "static")]), name="dashboard_static"
    )
    return app
