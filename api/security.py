"""What every response carries and what every request must have, whatever route answers it.

Host              only CALLINTEL_TRUSTED_HOSTS (Starlette's TrustedHostMiddleware: others get 400; `*`: any)
CSP               the dashboard: scripts, styles, images, media and form targets from this server only, no
                  inline script or style, no plugins; everything else (the JSON API): nothing at all
framing           none (frame-ancestors 'none' and X-Frame-Options: DENY)
nosniff           X-Content-Type-Options on every response
Referrer-Policy   same-origin (a same-origin form still sends its Origin, which the dashboard checks)
/openapi.json     needs an API token (any role); no /docs or /redoc (Swagger UI and ReDoc load from a CDN)
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.deps import TokenDep
from models.errors import ConfigError
from models.settings import Settings

__all__ = ["DASHBOARD_CSP", "SecurityHeaders", "protect"]

DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """An ASGI middleware that adds the headers above to every HTTP response (the app's own are kept)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = DASHBOARD_CSP if scope["path"].startswith("/dashboard") else API_CSP
        extra = [*_COMMON, (b"content-security-policy", csp.encode())]

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in extra if h[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _hosts(settings: Settings) -> list[str]:
    hosts = settings.host_list()
    for host in hosts:
        if "*" in host[1:] or host.startswith("*") and host != "*" and not host.startswith("*."):
            raise ConfigError(
                f"invalid setting CALLINTEL_TRUSTED_HOSTS: {host!r} (a wildcard is `*` or `*.example.com`)"
            )
    return hosts


def protect(app: FastAPI, settings: Settings) -> None:
    """Add the host check and the headers (outside every other middleware), and the token-guarded OpenAPI document."""
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=_hosts(settings), www_redirect=False)
    app.add_middleware(SecurityHeaders)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document(token: TokenDep) -> JSONResponse:
        return JSONResponse(app.openapi())
