"""Static files with cache headers: versioned URLs are cached for a year.

Templates link assets as `/static/app.css?v=<content hash>` (`render.static_url`),
so a changed file gets a new URL and a cached one can be kept forever. An
unversioned request is cached briefly and revalidated by ETag / Last-Modified.

Mount it in place of the plain `StaticFiles`:
`app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")`.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles

FOREVER = "public, max-age=31536000, immutable"
BRIEFLY = "public, max-age=300, must-revalidate"


def cache_control(query_string: bytes) -> str:
    """The Cache-Control of a static file requested with `query_string`."""
    versioned = any(part.startswith(b"v=") and len(part) > 2 for part in query_string.split(b"&"))
    return FOREVER if versioned else BRIEFLY


class CachedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Any,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = cache_control(scope.get("query_string", b""))
        return response
