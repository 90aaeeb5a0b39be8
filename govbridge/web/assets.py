"""Static files with cache headers: versioned URLs are cached for a year.

Templates link assets as `/static/app.css?v=<content hash>` (`render.static_url`),
so a changed file gets a new URL and a cached one can be kept forever. An
unversioned request is cached briefly and revalidated by ETag / Last-Modified.

Mount it in place of the plain `StaticFiles`:
`app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")`.

Front-end packages (the bpmn-js process modeler) come from the npm registry at set-up
(`scripts/setup.sh` runs `npm ci` in `web/vendor`, pinned by its package-lock.json) and are
served from `/static/vendor/<package>/` by this same class; nothing of them is committed
and nothing is fetched at run time (the UI works air-gapped).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles

VENDOR = Path(__file__).resolve().parent / "vendor" / "node_modules"
# URL prefix -> the installed package's folder of built files.
VENDOR_MOUNTS = {"/static/vendor/bpmn-js": VENDOR / "bpmn-js" / "dist"}
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


def modeler_installed() -> bool:
    """Whether set-up installed the bpmn-js modeler (npm was there)."""
    return (VENDOR_MOUNTS["/static/vendor/bpmn-js"] / "bpmn-modeler.production.min.js").is_file()
