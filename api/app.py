"""The HTTP API (FastAPI), served by ``callintel serve``.

Every error is a JSON body ``{"error", "message", "path"}`` with a 4xx status: our CallintelErrors by their
``http_status``, request validation as 422, unknown routes as 404. Every route but /api/health needs a token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import routes_customers, routes_ingest, routes_interactions
from api.schemas import ErrorBody
from models.errors import CallintelError
from models.settings import Settings, get_settings
from models.store import Store

__all__ = ["create_app"]

ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 413, 415, 422)}


def _error(status: int, error: str, message: str, path: str | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, message=message, path=path).model_dump(), status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or Store(settings.database_url)
        app.state.settings = settings
        yield
        if store is None:
            app.state.store.close()

    app = FastAPI(title="callintel", version="0.1.0", lifespan=lifespan, responses=ERRORS,
                  description="Conversation intelligence for sales teams: interactions, flags, summaries, customer risk.")

    @app.exception_handler(CallintelError)
    async def _callintel(_: Request, exc: CallintelError) -> JSONResponse:
        return _error(exc.http_status, type(exc).__name__, exc.message, exc.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "ValidationError", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "HTTPError", str(exc.detail))

    @app.get("/api/health", tags=["meta"], summary="Liveness: the API is up and its store answers")
    def health_check() -> dict[str, str]:
        app.state.store.latest_event_time()
        return {"status": "ok"}

    for module in (routes_interactions, routes_customers, routes_ingest):
        app.include_router(module.router)
    return app
