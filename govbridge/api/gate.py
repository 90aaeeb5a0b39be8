"""The door of /api/v1: a request to an operation that needs a caller but carries no
credentials at all is answered 401 here, before its body is read, parsed or validated.

Whether the credentials are good is decided by `deps.authenticate` in the route's own
transaction (and first of all by the problem handlers when the body is bad), so this
check costs no database work. The public operations are listed in `deps.PUBLIC`. A path
no route serves, or a method no route of the path takes, is left to the router (404, or
405 with `Allow`), as for any caller: there is no operation there to protect.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import cookie_parser
from starlette.routing import Match

from govbridge.api.deps import has_credentials, needs_caller
from govbridge.api.problems import problem


class CallerGate:
    def __init__(self, app: Any, router: Any) -> None:
        self.app = app
        self.router = router

    def _routed(self, scope: dict[str, Any]) -> bool:
        """Whether some route serves this method at this path (a full match)."""
        return any(route.matches(dict(scope))[0] is Match.FULL
                   for route in self.router.routes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not needs_caller(scope["method"], scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or []}
        if has_credentials(headers, cookie_parser(headers.get("cookie", ""))) \
                or not self._routed(scope):
            await self.app(scope, receive, send)
            return
        resp = problem(401, "authentication-failed", "Authentication failed",
                       "no credentials: send 'Authorization: Bearer <API key or session "
                       "token>'", scope.get("path", ""), reason="credentials")
        await resp(scope, receive, send)
