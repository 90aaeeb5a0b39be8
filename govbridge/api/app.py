"""Builds the ASGI application: JSON API, web pages, static assets, middleware.

The OpenAPI document is generated once and then completed by api/contract.py (every
problem response, the security schemes); the docs page is served by api/docs.py.
Middleware, outermost first: security headers (and no-store for callers), the caller
gate of /api/v1 (401 before anything else), the body size limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from govbridge import __version__
from govbridge.api import contract, docs, problems
from govbridge.api.bodies import checked_json
from govbridge.api.gate import CallerGate
from govbridge.api.headers import SecurityHeaders
from govbridge.api.limits import BodySizeLimit
from govbridge.api.routes import agreements as agreement_routes
from govbridge.api.routes import analytics as analytics_routes
from govbridge.api.routes import cases as case_routes
from govbridge.api.routes import (
    catalog,
    exchange,
    health,
    identity,
    ingest,
    ledger,
    live,
    quality,
    transparency,
)
from govbridge.api.routes import certificates as certificate_routes
from govbridge.api.routes import emergency as emergency_routes
from govbridge.api.routes import figures as figure_routes
from govbridge.api.routes import governance as governance_routes
from govbridge.api.routes import notifications as notification_routes
from govbridge.api.routes import privacy as privacy_routes
from govbridge.api.routes import seals as seal_routes
from govbridge.api.routes import services as service_routes
from govbridge.api.routes import tasks as task_routes
from govbridge.exchange.admission import Admission
from govbridge.runtime import Runtime
from govbridge.web.assets import VENDOR_MOUNTS, CachedStaticFiles

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="govbridge",
        version=__version__,
        summary="Safe data sharing between government departments and one-stop services.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(checked_json)],
    )
    app.state.runtime = rt
    app.state.admission = Admission(rt.settings.exchange_slots,
                                    rt.settings.exchange_queue_seconds)
    from govbridge.web.routes import not_found_page

    problems.install(app, html_not_found=not_found_page)

    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(health.router)
    v1.include_router(identity.router)
    v1.include_router(catalog.router)
    v1.include_router(ingest.router)
    v1.include_router(live.router)
    v1.include_router(quality.router)
    v1.include_router(ledger.router)
    v1.include_router(exchange.router)
    v1.include_router(transparency.router)
    v1.include_router(seal_routes.router)
    v1.include_router(agreement_routes.router)
    v1.include_router(service_routes.router)
    v1.include_router(certificate_routes.router)
    v1.include_router(certificate_routes.public)
    v1.include_router(case_routes.router)
    v1.include_router(figure_routes.router)
    v1.include_router(notification_routes.router)
    v1.include_router(emergency_routes.router)
    v1.include_router(privacy_routes.router)
    v1.include_router(task_routes.router)
    v1.include_router(governance_routes.router)
    v1.include_router(analytics_routes.router)
    app.include_router(v1)

    from govbridge.web.access_pages import router as access_pages
    from govbridge.web.agreement_pages import router as agreement_pages
    from govbridge.web.analytics_pages import router as analytics_pages
    from govbridge.web.case_pages import router as case_pages
    from govbridge.web.catalog_pages import router as catalog_pages
    from govbridge.web.certificate_pages import router as certificate_pages
    from govbridge.web.console_pages import router as console_pages
    from govbridge.web.emergency_pages import router as emergency_pages
    from govbridge.web.governance_pages import router as governance_pages
    from govbridge.web.ledger_pages import router as ledger_pages
    from govbridge.web.notification_pages import router as notification_pages
    from govbridge.web.privacy_pages import router as privacy_pages
    from govbridge.web.process_modeler_pages import router as process_modeler_pages
    from govbridge.web.quality_pages import router as quality_pages
    from govbridge.web.routes import router as web_router
    from govbridge.web.service_pages import router as service_pages
    from govbridge.web.tasks_pages import router as tasks_pages
    from govbridge.web.verify_pages import router as verify_pages

    app.include_router(web_router)
    app.include_router(catalog_pages)
    app.include_router(agreement_pages)
    app.include_router(console_pages)
    app.include_router(ledger_pages)
    app.include_router(access_pages)
    app.include_router(quality_pages)
    app.include_router(verify_pages)
    app.include_router(service_pages)
    app.include_router(case_pages)
    app.include_router(notification_pages)
    app.include_router(process_modeler_pages)
    app.include_router(certificate_pages)
    app.include_router(emergency_pages)
    app.include_router(privacy_pages)
    app.include_router(tasks_pages)
    app.include_router(governance_pages)
    app.include_router(analytics_pages)
    for prefix, folder in VENDOR_MOUNTS.items():  # before /static, which would shadow them
        if folder.is_dir():
            app.mount(prefix, CachedStaticFiles(directory=folder), name=prefix)
    app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")
    docs.install(app)
    _complete_openapi(app)

    app.add_middleware(BodySizeLimit, max_bytes=rt.settings.max_body_bytes,
                       max_upload_bytes=rt.settings.max_upload_bytes)
    app.add_middleware(CallerGate, router=app.router)
    app.add_middleware(SecurityHeaders)
    return app


def _complete_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, summary=app.summary,
                               routes=app.routes)
            app.openapi_schema = contract.declare(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app_from_environment() -> FastAPI:
    """The app for each worker process of `govbridge serve --workers N` (settings from env)."""
    from govbridge.bus.base import InProcessBus
    from govbridge.config import load_settings

    rt = Runtime(load_settings())
    if isinstance(rt.bus, InProcessBus):
        from govbridge.ingest.streams import attach_inprocess

        attach_inprocess(rt)
    return create_app(rt)

