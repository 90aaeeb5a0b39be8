"""GET /api/v1/health: database and bus status, and this process's exchange queue."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from govbridge import __version__
from govbridge.api.deps import admission, runtime
from govbridge.storage.engine import ping
from govbridge.storage.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/health", summary="Database and bus status, and the exchange queue",
            responses={503: {"description": "Degraded: the database or the bus is not ok",
                             "content": {"application/json": {}}}})
def health(request: Request) -> JSONResponse:
    rt = runtime(request)
    database: dict[str, Any] = {"backend": rt.engine.dialect.name}
    try:
        started = time.perf_counter()
        ping(rt.engine)
        database["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        revision, head = current_revision(rt.engine), head_revision(rt.engine)
        database["revision"] = revision
        database["status"] = "ok" if revision == head else "migration-pending"
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        database["status"] = "down"
        database["error"] = type(exc).__name__
    try:
        bus = rt.bus.health()
    except Exception as exc:  # noqa: BLE001
        bus = {"status": "down", "kind": rt.bus.kind, "error": type(exc).__name__}
    healthy = database["status"] == "ok" and bus.get("status") == "ok"
    body = {"status": "ok" if healthy else "degraded", "version": __version__,
            "database": database, "bus": bus,
            # A queue that refuses queries (503 exchange-busy) wants more slots or processes.
            "exchange": admission(request).figures()}
    return JSONResponse(body, status_code=200 if healthy else 503)
