"""Security headers on every response (SECURITY.md, "Headers"): set here once, so that a proxy in front
needs no copy of them and `verae serve` alone is as safe as behind nginx."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The web app loads its own module script, stylesheet and the data: URI favicon, and calls its own API:
# nothing inline, nothing from another origin. React sets styles through the DOM, which CSP allows.
WEB_APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# JSON never needs to load anything.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The Swagger UI page (off in production) loads its script and styles from a CDN and starts inline.
DOCS_PATH = "/api/v1/docs"
# Only features every current browser knows: an unknown one makes the browser log an error on each page.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Two years, the value hstspreload.org recommends; only in production, where the site is served over https only.
HSTS = "max-age=63072000; includeSubDomains"
# Responses under these paths may carry health data (lab values, results, profiles): no cache may keep
# them, neither the browser's nor a proxy's — unless the route chose its own Cache-Control, as the public
# analyte catalog (`GET /risk/inputs`, no personal data) does.
NO_STORE_PREFIXES = ("/api/",)

_COMMON = {
    "x-content-type-options": "nosniff",
    # Share links must not leak through the Referer header, nor any other path with an id in it.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS_POLICY,
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, strict_transport_security: bool) -> None:
        self.app = app
        self.hsts = strict_transport_security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _COMMON.items():
                    headers[name] = value
                if path != DOCS_PATH:
                    is_api = path.startswith(NO_STORE_PREFIXES) or "json" in headers.get("content-type", "")
                    headers["content-security-policy"] = API_POLICY if is_api else WEB_APP_POLICY
                if path.startswith(NO_STORE_PREFIXES):
                    headers.setdefault("cache-control", "no-store")
                if self.hsts:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
