"""The interactive API docs (`/api/docs`), served air-gapped: Swagger UI 5's assets come
from the installed `fastapi-offline` package (its static folder, nothing fetched from a
CDN) under `/api/docs/assets/`, and the page starts Swagger UI from a script file of this
app instead of an inline script, so the same CSP as every page (api/headers.py) holds.
"""

from __future__ import annotations

import importlib.metadata
from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

from govbridge.web.assets import CachedStaticFiles

DOCS = "/api/docs"
ASSETS = f"{DOCS}/assets"
SWAGGER_STATIC = Path(fastapi_offline.__file__).resolve().parent / "static"
VERSION = importlib.metadata.version("fastapi-offline")

INIT_JS = """\
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
"""


def _page(title: str, openapi_url: str) -> str:
    v = f"?v={VERSION}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} · API</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon.png{v}">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css{v}">
</head>
<body>
<div id="swagger-ui" data-openapi="{escape(openapi_url)}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js{v}"></script>
<script src="{DOCS}/init.js{v}"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Add `/api/docs`, its start script and its assets to `app` (built with docs_url=None)."""
    openapi_url = app.openapi_url or "/api/openapi.json"

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_page(app.title, openapi_url))

    @app.get(f"{DOCS}/init.js", include_in_schema=False)
    def swagger_init() -> Response:
        return Response(INIT_JS, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300, must-revalidate"})

    app.mount(ASSETS, CachedStaticFiles(directory=SWAGGER_STATIC), name="docs-assets")
