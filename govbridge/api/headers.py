"""Security headers on every response: CSP, no sniffing, no framing, no referrer leak.

Every page gets them, the interactive API docs included (api/docs.py serves Swagger UI
from this app, with no inline script, so the CSP holds there too). A response to a caller
with credentials (bearer token, API key, session cookie), or one that sets a cookie, may
hold personal data: it is marked `Cache-Control: no-store` so no browser or proxy keeps
it. Static assets keep their own caching (web/assets.py).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import cookie_parser
from starlette.responses import Response

from govbridge.api.deps import has_credentials

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
NO_STORE = b"no-store"
ASSET_PATHS = ("/static/", "/api/docs/assets/")


def _has_credentials(scope: dict[str, Any]) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1")
               for k, v in scope.get("headers") or []}
    return has_credentials(headers, cookie_parser(headers.get("cookie", "")))


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asset = scope.get("path", "").startswith(ASSET_PATHS)
        private = not asset and _has_credentials(scope)

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if not asset and (private or b"set-cookie" in names):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", NO_STORE))
                message["headers"] = headers + [(k, v) for k, v in HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


def diagram_response(svg: str) -> Response:
    """A drawn process (SVG) as a document of its own, for `<img src>`: under the drawing's
    strict CSP (`bpmn_diagram.DIAGRAM_CSP`), never sniffed. The API's and the pages' routes
    serve drawings through this one answer."""
    from govbridge.services.bpmn_diagram import DIAGRAM_CSP

    return Response(svg, media_type="image/svg+xml", headers={
        "Content-Security-Policy": DIAGRAM_CSP, "X-Content-Type-Options": "nosniff"})
